import { describe, expect, it } from '@jest/globals';
import { EvidenceParseError } from '../../lib/evidence/errors.ts';
import { cookieOf, option, parseHaproxyConfig, setting, tokenizeHaproxyLine } from '../../lib/evidence/haproxy.ts';
import { inMaintenance, isDraining, parseServersState } from '../../lib/evidence/haproxy-state.ts';
import { parseStat } from '../../lib/evidence/haproxy-stat.ts';

describe('tokenizeHaproxyLine', () => {
  it('splits words, keeps quoted blanks, resolves escapes and stops at comments', () => {
    // Act
    const words = tokenizeHaproxyLine(`  http-response set-header "X-Served-By" "edge \\"one\\"" 'a # b' c\\ d # trailing`, 1);
    // Assess
    expect(words).toEqual(['http-response', 'set-header', 'X-Served-By', 'edge "one"', 'a # b', 'c d']);
  });

  it('rejects an unterminated quote with its line', () => {
    // Act
    const act = () => tokenizeHaproxyLine('server a 1.2.3.4:80 cookie "a1', 7);
    // Assess
    expect(act).toThrow(EvidenceParseError);
    expect(act).toThrow('unterminated double quote');
    try {
      act();
    } catch (e) {
      expect((e as EvidenceParseError).line).toBe(7);
    }
  });
});

describe('parseHaproxyConfig', () => {
  const cfg = [
    'global',
    '    maxconn 1000',
    'defaults',
    '    mode http',
    '    option persist',
    '    cookie OLD insert',
    'defaults base',
    '    mode http',
    '    cookie SRV insert indirect nocache maxidle 30m maxlife 8h domain .example.com attr "SameSite=None" secure',
    '    default-server inter 3s fall 2',
    'defaults tcpdef',
    '    mode tcp',
    'backend inherits-last',
    '    no option persist',
    '    server a 10.0.0.1:80 cookie a',
    'backend from-base from base',
    '    default-server fall 4',
    '    server b 10.0.0.2:80 check rise 5 backup',
  ].join('\n');

  it('takes the closest preceding defaults, or the named one given with "from"', () => {
    // Act
    const parsed = parseHaproxyConfig(cfg, 'haproxy/x.cfg', 'x');
    const [last, fromBase] = parsed.proxies;
    // Assess
    expect(parsed.proxies.map((p) => [p.kind, p.name, p.defaults?.name])).toEqual([
      ['backend', 'inherits-last', 'tcpdef'],
      ['backend', 'from-base', 'base'],
    ]);
    expect(setting(last!, 'mode')?.args).toEqual(['tcp']);
    expect(cookieOf(last!)).toBeUndefined();
    expect(cookieOf(fromBase!)).toMatchObject({
      name: 'SRV', mode: 'insert', indirect: true, nocache: true, secure: true, maxidle: '30m', maxlife: '8h',
      domains: ['.example.com'], attrs: ['SameSite=None'], ref: { file: 'haproxy/x.cfg', line: 9 },
    });
  });

  it('merges default-server lines of defaults and proxy under the server line', () => {
    // Act
    const b = parseHaproxyConfig(cfg, 'haproxy/x.cfg', 'x').proxies[1]!.servers[0]!;
    // Assess
    expect(Object.fromEntries(b.params)).toEqual({ inter: '3s', fall: '4', rise: '5' });
    expect([...b.flags].sort()).toEqual(['backup', 'check']);
    expect(b.ref.line).toBe(18);
  });

  it('honours "no option" in the proxy over the defaults', () => {
    // Prepare
    const text = 'defaults\n  option persist\nbackend a\n  no option persist\nbackend b\n  server s 1.1.1.1:80';
    // Act
    const [a, b] = parseHaproxyConfig(text, 'f', 'i').proxies;
    // Assess
    expect(option(a!, 'persist')).toEqual({ on: false, ref: { file: 'f', line: 4, text: 'no option persist' } });
    expect(option(b!, 'persist')).toEqual({ on: true, ref: { file: 'f', line: 2, text: 'option persist' } });
  });

  it('rejects keywords before any section and unknown named defaults, with their lines', () => {
    // Assess
    expect(() => parseHaproxyConfig('  mode http\n', 'f', 'i')).toThrow('"mode" appears before any section');
    expect(() => parseHaproxyConfig('backend a from nope\n  server s 1.1.1.1:80\n', 'f', 'i')).toThrow('defaults section "nope" is not defined before this proxy');
  });
});

describe('parseServersState', () => {
  it('reads rows by header column names and decodes maintenance and drain bits', () => {
    // Prepare
    const text = [
      '1',
      '# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight',
      '3 app 1 app1 10.0.1.1 2 0 1',
      '3 app 2 app2 10.0.1.2 0 1 1',
      '3 app 3 app3 10.0.1.3 2 8 1',
    ].join('\n');
    // Act
    const rows = parseServersState(text, 'haproxy/e.servers-state');
    // Assess
    expect(rows.map((r) => [r.backend, r.server, r.opState, r.adminState, inMaintenance(r), isDraining(r), r.ref.line])).toEqual([
      ['app', 'app1', 2, 0, false, false, 3],
      ['app', 'app2', 0, 1, true, false, 4],
      ['app', 'app3', 2, 8, false, true, 5],
    ]);
  });

  it('rejects a row that is not server state, with its line', () => {
    // Act
    const act = () => parseServersState('1\n# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state\nhello world\n', 'f');
    // Assess
    expect(act).toThrow(/^expected "be_id be_name/);
  });
});

describe('parseStat', () => {
  it('keeps the server rows of "show stat", reading columns by header name', () => {
    // Prepare
    const text = [
      '# pxname,svname,status,chkfail,chkdown,lastchg,type,check_status,extra_new_column,',
      'web,FRONTEND,OPEN,,,,0,,x,',
      'app,app1,UP,12,4,90,2,L7OK,x,',
      'app,app2,DOWN 1/2,0,0,,2,L4CON,x,',
      'app,BACKEND,UP,,1,300,1,,x,',
      '',
    ].join('\n');
    // Act
    const rows = parseStat(text, 'haproxy/e.stat');
    // Assess
    expect(rows.map((r) => [r.backend, r.server, r.status, r.chkfail, r.chkdown, r.lastchg, r.checkStatus, r.ref.line])).toEqual([
      ['app', 'app1', 'UP', 12, 4, 90, 'L7OK', 3],
      ['app', 'app2', 'DOWN 1/2', 0, 0, undefined, 'L4CON', 4],
    ]);
  });

  it('rejects rows before the header, a header without pxname and a counter that is not a number, with their lines', () => {
    // Act
    const noHeader = () => parseStat('app,app1,UP\n', 'f');
    const badHeader = () => parseStat('# name,status\n', 'f');
    const badCount = () => parseStat('# pxname,svname,status,chkdown,type\napp,app1,UP,many,2\n', 'f');
    // Assess
    expect(noHeader).toThrow(new EvidenceParseError('expected the "# pxname,svname,..." header of "show stat" before any row', 1));
    expect(badHeader).toThrow('"show stat" header lacks pxname, svname');
    expect(badCount).toThrow('column chkdown is "many", not a number');
    expect([badHeader, badCount].map((f) => (() => {
      try {
        f();
      } catch (e) {
        return (e as EvidenceParseError).line;
      }
      return undefined;
    })())).toEqual([1, 2]);
  });
});
