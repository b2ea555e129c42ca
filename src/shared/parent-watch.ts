/**
 * Calls `onParentGone` once the process that started this one has exited. A service started through a wrapper
 * (`npm start`, a shell, a supervisor script) is re-parented when that wrapper dies without passing a signal on
 * (SIGKILL, a crashed terminal); without this it would keep the port and keep answering, unsupervised. On Linux an
 * orphan's parent id changes (to 1 or a subreaper), which is what is watched. A process whose parent already is
 * init (PID 1, as under systemd or as a container's main process, parent 0) has nothing to watch.
 */
export function watchParent(onParentGone: () => void, intervalMs = 1000): { stop(): void } {
  const parent = process.ppid;
  if (parent <= 1) return { stop: () => undefined };
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onParentGone();
  }, intervalMs).unref();
  return { stop: () => clearInterval(timer) };
}
