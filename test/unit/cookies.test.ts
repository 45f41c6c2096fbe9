import { describe, expect, it } from '@jest/globals';
import { commonDomain, commonPath, domainMatches, isLoopback, pathMatches } from '../../lib/checks/support/cookies.ts';

describe('cookie scope (RFC 6265)', () => {
  it.each([
    ['.example.com', 'shop.example.com', true],
    ['example.com', 'shop.example.com', true],
    ['Example.COM', 'shop.example.com', true],
    ['example.com', 'example.com', true],
    ['shop.example.com', 'example.com', false],
    ['example.com', 'badexample.com', false],
    ['0.1', '10.0.0.1', false],
    ['10.0.0.1', '10.0.0.1', true],
    ['example.com', '*.example.com', true],
    ['example.com', 'shop.example.com:8443', false],
  ])('domain %s matches host %s: %s (5.1.3)', (domain, host, expected) => {
    // Act
    const got = domainMatches(domain, host);
    // Assess
    expect(got).toBe(expected);
  });

  it.each([
    ['/cart', '/cart', true],
    ['/cart', '/cart/items', true],
    ['/cart', '/cartoon', false],
    ['/cart/', '/cart/items', true],
    ['/cart/', '/cart', false],
    ['/', '/anything', true],
    ['/api', '/', false],
  ])('path %s matches request path %s: %s (5.1.4)', (cookiePath, requestPath, expected) => {
    // Act
    const got = pathMatches(cookiePath, requestPath);
    // Assess
    expect(got).toBe(expected);
  });

  it('finds the longest path every service path matches, / at worst', () => {
    // Act
    const got = [commonPath(['/shop/cart', '/shop/api/v1']), commonPath(['/shop/cart', '/shopfront']), commonPath(['/cart']), commonPath([])];
    // Assess
    expect(got).toEqual(['/shop', '/', '/cart', '/']);
    expect(['/shop/cart', '/shop/api/v1'].every((p) => pathMatches(got[0]!, p))).toBe(true);
  });

  it('finds the parent domain of the service\'s hosts, a lone host being its own', () => {
    // Act
    const got = [commonDomain(['shop.example.com', 'api.example.com']), commonDomain(['*.shop.example.com', 'cart.shop.example.com']), commonDomain(['shop.example.com'])];
    // Assess
    expect(got).toEqual(['example.com', 'shop.example.com', 'shop.example.com']);
  });

  it.each([['localhost', true], ['127.0.0.1', true], ['127.10.0.3', true], ['[::1]', true], ['::1', true], ['10.0.0.1', false], ['localhost.example.com', false]])('%s is loopback: %s', (host, expected) => {
    // Act
    const got = isLoopback(host);
    // Assess
    expect(got).toBe(expected);
  });
});
