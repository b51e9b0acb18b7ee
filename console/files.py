"""Files written whole or not at all, and a record of what this run has written."""

import contextlib
import os
import stat
import tempfile

#: Every file this run has written through atomic_output, in order; an
#: interrupted run names them, so that it never claims to have written nothing.
#: (console.process.stops_cleanly empties it when a run starts.)
WRITTEN = []


def _suffix(path):
    """The file's extension, also for a name that is only one ('.keras')."""
    name = os.path.basename(path)
    return "." + name.rsplit(".", 1)[1] if "." in name else ""


def _mode_for(path):
    """An existing file keeps its permissions; a new one gets 0666 less the umask."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


@contextlib.contextmanager
def atomic_output(path):
    """Yield a temporary path beside ``path``; on success it becomes ``path``.

    A reader never sees a half-written file, and a failure (or Ctrl-C, or
    SIGTERM) leaves nothing behind.  A new file gets the usual permissions,
    not mkstemp's private 0600; a replaced file keeps its own.
    """
    folder = os.path.dirname(os.path.abspath(path))
    temporary = None
    try:
        handle, temporary = tempfile.mkstemp(prefix=".partial-", suffix=_suffix(path),
                                             dir=folder)
        os.close(handle)
        yield temporary
        os.chmod(temporary, _mode_for(path))
        os.replace(temporary, path)
        WRITTEN.append(path)
    except BaseException:
        if temporary and os.path.exists(temporary):
            os.unlink(temporary)
        raise


def kept_files_note():
    """'nothing was written', or which files this run wrote before it stopped."""
    if not WRITTEN:
        return "nothing was written"
    return "kept what was already written: " + ", ".join(WRITTEN)
