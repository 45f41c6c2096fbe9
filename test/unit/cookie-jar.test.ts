import { describe, expect, it } from '@jest/globals';
import { CookieJar, parseSetCookie } from '../../lib/providers/probe/cookie-jar.ts';
import { redactSetCookie } from '../../lib/providers/probe/probe.ts';

const page = new URL('http://shop.example.com/cart/view');
const NOW = Date.parse('2026-11-25T10:00:00Z');

describe('parseSetCookie', () => {
  it('reads the attributes browsers read and ignores malformed ones', () => {
    // Act
    const c = parseSetCookie('AWSALB=abc=def; Expires=Wed, 02 Dec 2026 10:00:00 GMT; Max-Age=soon; Path=cart; Domain=.Example.COM; SameSite=Whatever; HttpOnly');
    // Assess
    expect(c).toEqual({ name: 'AWSALB', value: 'abc=def', domain: 'example.com', domainDot: true, expires: new Date('2026-12-02T10:00:00Z'), secure: false, httpOnly: true });
    expect([parseSetCookie('novalue'), parseSetCookie('=x; Path=/')]).toEqual([undefined, undefined]);
  });

  it('gives the redacted form the same attributes without the value', () => {
    // Act
    const c = redactSetCookie('sid=s3cr3t; Domain=shop.example.com; Expires=Wed, 02 Dec 2026 10:00:00 GMT; SameSite=lax');
    // Assess
    expect(c).toEqual({ name: 'sid', value: '<redacted>', domain: 'shop.example.com', expires: 'Wed, 02 Dec 2026 10:00:00 GMT', secure: false, httpOnly: false, sameSite: 'Lax', size: 88 });
  });
});

describe('CookieJar', () => {
  it('refuses a cookie for a foreign domain and keeps one for a parent domain', () => {
    // Prepare
    const jar = new CookieJar();
    // Act
    jar.setCookie('SERVERID=app1; Domain=.example.org; Path=/', page, NOW);
    jar.setCookie('AWSALB=a1; Domain=example.com; Path=/', page, NOW);
    // Assess
    expect(jar.getCookieString(page, NOW)).toBe('AWSALB=a1');
    expect(jar.getCookieString(new URL('http://api.example.com/'), NOW)).toBe('AWSALB=a1');
  });

  it('replaces a cookie of the same name, domain and path, so rotating cookies are followed', () => {
    // Prepare
    const jar = new CookieJar();
    // Act
    jar.setCookie('AWSALB=a1; Path=/; Max-Age=604800', page, NOW);
    jar.setCookie('sid=s1; Path=/', page, NOW);
    jar.setCookie('AWSALB=a2; Path=/; Max-Age=604800', page, NOW);
    // Assess
    expect(jar.getCookieString(page, NOW)).toBe('AWSALB=a2; sid=s1');
  });

  it('drops cookies deleted by Max-Age or a past Expires, and lets them expire', () => {
    // Prepare
    const jar = new CookieJar();
    jar.setCookie('a=1; Path=/', page, NOW);
    jar.setCookie('b=1; Path=/', page, NOW);
    jar.setCookie('c=1; Path=/; Max-Age=60', page, NOW);
    // Act
    jar.setCookie('a=; Path=/; Max-Age=0', page, NOW);
    jar.setCookie('b=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT', page, NOW);
    // Assess
    expect([jar.getCookieString(page, NOW), jar.getCookieString(page, NOW + 61_000)]).toEqual(['c=1', '']);
  });

  it('sends Secure cookies over HTTPS (and to loopback) only, and a cookie only under its path, the longest path first', () => {
    // Prepare
    const jar = new CookieJar();
    // Act
    jar.setCookie('s=1; Secure; Path=/', page, NOW);
    jar.setCookie('short=1; Path=/', page, NOW);
    jar.setCookie('long=1; Path=/cart', page, NOW);
    jar.setCookie('here=1', page, NOW);
    // Assess
    expect(jar.getCookieString(page, NOW)).toBe('long=1; here=1; short=1');
    expect(jar.getCookieString(new URL('https://shop.example.com/ws'), NOW)).toBe('s=1; short=1');
    const local = new URL('http://127.0.0.1:8080/');
    jar.setCookie('SERVERID=app1; Secure; Path=/', local, NOW);
    expect(jar.getCookieString(local, NOW)).toBe('SERVERID=app1');
  });
});
