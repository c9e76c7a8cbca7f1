import { describe, expect, it } from 'vitest';
import { REDACTED, redact, secretVariants } from '../../../src/alerts/redact';

describe('redact', () => {
  const cases: Array<{ name: string; text: string; secrets: string[]; expected: string }> = [
    {
      name: 'exact value',
      text: 'auth failed for hunter22',
      secrets: ['hunter22'],
      expected: `auth failed for ${REDACTED}`,
    },
    {
      name: 'every occurrence',
      text: 'x1secret y1secret',
      secrets: ['1secret'],
      expected: `x${REDACTED} y${REDACTED}`,
    },
    {
      name: 'url-encoded form',
      text: 'GET /a?p=p%40ss%2Fword',
      secrets: ['p@ss/word'],
      expected: `GET /a?p=${REDACTED}`,
    },
    {
      name: 'the token of a webhook URL seen alone',
      text: 'POST /robot/send?access_token=0123456789abcdef failed',
      secrets: ['https://oapi.dingtalk.com/robot/send?access_token=0123456789abcdef'],
      expected: `POST ${REDACTED} failed`,
    },
    {
      name: 'a Slack path token',
      text: 'no_service for /services/T0000/B0000/XXXXXXXXXXXXXXXXXXXXXXXX',
      secrets: ['https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXXXXXXXXXXXXXX'],
      expected: `no_service for ${REDACTED}`,
    },
    {
      name: 'the whole URL first, not piece by piece',
      text: 'connect to https://open.feishu.cn/open-apis/bot/v2/hook/5a1f0c2e-aaaa failed',
      secrets: ['https://open.feishu.cn/open-apis/bot/v2/hook/5a1f0c2e-aaaa'],
      expected: `connect to ${REDACTED} failed`,
    },
    {
      name: 'base64 of a secret',
      text: 'AUTH aHVudGVyMjI=',
      secrets: ['hunter22'],
      expected: `AUTH ${REDACTED}`,
    },
    { name: 'nothing to hide', text: 'HTTP 500', secrets: ['hunter22'], expected: 'HTTP 500' },
    { name: 'empty secrets are ignored', text: 'HTTP 500', secrets: [''], expected: 'HTTP 500' },
  ];
  it.each(cases)('scrubs $name', ({ text, secrets, expected }) => {
    expect(redact(text, secrets)).toBe(expected);
  });

  it('scrubs a token in a query the URL does not show whole', () => {
    const secret = 'https://oapi.dingtalk.com/robot/send?access_token=0123456789abcdef';
    expect(redact('token 0123456789abcdef rejected', [secret])).toBe(`token ${REDACTED} rejected`);
  });

  it('finds the pieces of a URL that carry a token, not the short words', () => {
    const variants = secretVariants('https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx');
    expect(variants).toContain('693a91f6-7xxx');
    expect(variants).toContain('key=693a91f6-7xxx');
    expect(variants).not.toContain('send');
  });
});
