/**
 * Escapes text for Slack mrkdwn: `&`, `<` and `>` become entities, so text from outside (alarm
 * names and reasons, backend and resource names, evidence lines) can neither mention
 * `<!channel>` nor smuggle a link like `<https://evil.example|click>`.
 */
export function escapeMrkdwn(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
