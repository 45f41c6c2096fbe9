/**
 * Makes a reader that goes away (`sticky analyze big | head`, `npm start | less` quit early) end
 * the output quietly instead of crashing with an EPIPE stack trace: once stdout or stderr is
 * closed, further writes to it are dropped and the process carries on to its normal exit code.
 */
export function ignoreClosedPipes(streams: NodeJS.WriteStream[] = [process.stdout, process.stderr]): void {
  for (const stream of streams) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE' && e.code !== 'ERR_STREAM_DESTROYED') throw e;
      stream.write = (() => true) as typeof stream.write;
    });
  }
}
