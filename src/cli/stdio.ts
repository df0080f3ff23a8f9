/**
 * A reader that has seen enough (`nodeward plan | head -2`) closes the pipe: later writes fail
 * with EPIPE. That is not an error of the command: the rest of its output is dropped, the work
 * goes on (an apply never stops half-way because nobody reads), and it exits with its own status.
 */
export function tolerateClosedOutput(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') return;
      throw error;
    });
  }
}
