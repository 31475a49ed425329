/**
 * Same-machine wake-up for the embedded queue: producers in other processes write the
 * SQLite file (its `-wal` in WAL mode), and inotify (fs.watch on the folder) tells idle
 * consumers at once, so they need not poll fast. One watcher per file per process, shared.
 * Polling stays as the fallback (network filesystems, watcher limits), so a missed event
 * only costs latency.
 */
import { watch, type FSWatcher } from 'node:fs';
import path from 'node:path';

type Listener = () => void;

interface Watched {
  watcher: FSWatcher | null;
  listeners: Set<Listener>;
}

const watched = new Map<string, Watched>();

function fire(entry: Watched): void {
  for (const listener of entry.listeners) listener();
}

/** Call `listener` whenever `file` (or its WAL) is written by any process. Returns the unsubscribe. */
export function onFileWrite(file: string, listener: Listener): () => void {
  const resolved = path.resolve(file);
  let entry = watched.get(resolved);
  if (!entry) {
    const base = path.basename(resolved);
    const names = new Set([base, `${base}-wal`, `${base}-journal`]);
    let watcher: FSWatcher | null = null;
    const created: Watched = { watcher: null, listeners: new Set() };
    try {
      watcher = watch(path.dirname(resolved), { persistent: false }, (_event, name) => {
        if (name === null || names.has(String(name))) fire(created);
      });
      watcher.on('error', () => {
        watcher?.close();
        created.watcher = null;
      });
    } catch {
      watcher = null; // no inotify (limits, unsupported fs): polling alone still works
    }
    created.watcher = watcher;
    entry = created;
    watched.set(resolved, entry);
  }
  const current = entry;
  current.listeners.add(listener);
  return () => {
    current.listeners.delete(listener);
    if (current.listeners.size === 0) {
      current.watcher?.close();
      watched.delete(resolved);
    }
  };
}

/** Wake this process's listeners without waiting for the filesystem event. */
export function notifyLocalWrite(file: string): void {
  const entry = watched.get(path.resolve(file));
  if (entry) fire(entry);
}
