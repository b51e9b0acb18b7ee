"""Files written whole or not at all, and a record of what this run has written."""

import contextlib
import errno
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator

#: Every file this run has written through atomic_output, in order; an
#: interrupted run names them, so that it never claims to have written nothing.
#: (console.process.stops_cleanly empties it when a run starts.)
WRITTEN: list[str] = []


def _suffix(path: str) -> str:
    """The file's extension, also for a name that is only one ('.keras')."""
    name = os.path.basename(path)
    return "." + name.rsplit(".", 1)[1] if "." in name else ""


def _mode_for(path: str, new: int = 0o666) -> int:
    """An existing file or folder keeps its permissions; a new one, or one that
    replaces a link (whose target's permissions are not its own), gets ``new``
    (0666 for a file, 0777 for a folder) less the umask."""
    try:
        if not os.path.islink(path):
            return stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        pass
    umask = os.umask(0)
    os.umask(umask)
    return new & ~umask


def _named_by(error: OSError, path: str, temporary: str | None) -> OSError:
    """``error`` (of the same kind: FileExistsError stays one) named by ``path``, the
    file or folder the caller asked for, not by the temporary one beside it: the
    user is told about the path they gave (a message that quotes the temporary
    name has it replaced too)."""
    reason = error.strerror or str(error)
    if temporary:
        reason = reason.replace(temporary, path)
    return OSError(error.errno, reason, path)


@contextlib.contextmanager
def atomic_output(path: str) -> Iterator[str]:
    """Yield a temporary path beside ``path``; on success it becomes ``path``.

    A reader never sees a half-written file, and a failure (or Ctrl-C, or
    SIGTERM) leaves nothing behind.  A new file gets the usual permissions,
    not mkstemp's private 0600; a replaced file keeps its own.
    """
    folder = os.path.dirname(os.path.abspath(path))
    temporary = None
    try:
        handle, temporary = tempfile.mkstemp(prefix=".partial-", suffix=_suffix(path), dir=folder)
        os.close(handle)
        yield temporary
        os.chmod(temporary, _mode_for(path))
        os.replace(temporary, path)
        WRITTEN.append(path)
    except BaseException as error:
        if temporary and os.path.exists(temporary):
            os.unlink(temporary)
        if isinstance(error, OSError):
            raise _named_by(error, path, temporary) from None
        raise


@contextlib.contextmanager
def atomic_folder(path: str, replaceable: Callable[[str], bool]) -> Iterator[str]:
    """Yield a temporary folder beside ``path``; on success it becomes ``path``.

    A folder already at ``path`` is moved aside, the new one renamed into its
    place, and only then is the old one removed: if anything fails (or
    Ctrl-C, or SIGTERM) before the new one is in place, the old one is put
    back and the temporary folder removed.  A reader never finds a
    half-written folder, and there is at most a moment without one.
    ``replaceable(path)`` says whether a folder already there may go (it is
    asked again here: the folder may have changed since the command line was
    checked).
    """
    parent = os.path.dirname(os.path.abspath(path))
    temporary = aside = None
    try:
        temporary = tempfile.mkdtemp(prefix=".partial-", dir=parent)
        yield temporary
        os.chmod(temporary, _mode_for(path, new=0o777))
        if os.path.lexists(path):
            if not (os.path.isdir(path) and replaceable(path)):
                raise FileExistsError(errno.EEXIST, "is there now, and may not be replaced")
            aside = tempfile.mkdtemp(prefix=".replaced-", dir=parent)
            os.rename(path, os.path.join(aside, "old"))
        os.rename(temporary, path)
        temporary = None
        WRITTEN.append(path)
    except OSError as error:
        raise _named_by(error, path, temporary) from None
    finally:
        if temporary:  # failed or stopped: the old folder goes back
            if aside and not os.path.lexists(path):
                os.rename(os.path.join(aside, "old"), path)
            shutil.rmtree(temporary, ignore_errors=True)
        if aside:
            shutil.rmtree(aside, ignore_errors=True)


@contextlib.contextmanager
def folder_for_results(path: str) -> Iterator[None]:
    """Create the folder ``path`` if it is missing, for the files written inside this
    block; if the block fails (or is interrupted) and the folder it created is
    still empty, the folder goes too: a run that wrote nothing leaves nothing."""
    created = not os.path.isdir(path)
    os.makedirs(path, exist_ok=True)
    try:
        yield
    except BaseException:
        if created and not os.listdir(path):
            os.rmdir(path)
        raise


def kept_files_note() -> str:
    """'nothing was written', or which files this run wrote before it stopped."""
    if not WRITTEN:
        return "nothing was written"
    return "kept what was already written: " + ", ".join(WRITTEN)
