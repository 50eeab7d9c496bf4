// Is stderr connected to the systemd journal? systemd.exec(5): JOURNAL_STREAM holds "dev:ino" of
// the stream it connected; compare it with fstat(2) (what sd_journal_stream_fd users check).
import fs from 'node:fs';

export function stderrIsJournal(env: NodeJS.ProcessEnv = process.env, fd = 2): boolean {
  const expected = env['JOURNAL_STREAM'];
  if (expected === undefined || expected === '') return false;
  let st: fs.BigIntStats;
  try {
    st = fs.fstatSync(fd, { bigint: true });
  } catch {
    return false;
  }
  return expected === `${st.dev}:${st.ino}`;
}
