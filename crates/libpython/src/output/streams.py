"""Python's standard streams over Rust readers and writers.

`install` builds what CPython builds for its own standard streams, an `io.TextIOWrapper`,
around a raw stream whose reads, writes and flushes are Rust functions. Text streams that
write have no buffer of their own (`write_through`, the buffer is the raw stream, as under
`python -u`): every write reaches Rust at once, so writes from Python and from Rust stay in
order, and Rust's own buffering (Rust's stdout is line-buffered) is the only one.
"""

import io
import sys
import types


class RustStream(io.RawIOBase):
    """A raw binary stream whose reads, writes and flushes are Rust functions.

    `readinto`, `write`, `flush` and `isatty` are bound to the instance as they are given
    (Rust functions taking the stream first), so the io machinery calls Rust directly: no frame
    of this file shows in a traceback, as none of CPython's own `FileIO` does.
    """

    def __init__(self, name, mode, fd, readinto, write, flush, isatty):
        super().__init__()
        self._name = name
        self._mode = mode
        self._fd = fd
        self._reads = readinto is not None
        self._writes = write is not None
        if readinto is not None:
            self.readinto = types.MethodType(readinto, self)
        if write is not None:
            self.write = types.MethodType(write, self)
        self.flush = types.MethodType(flush, self)
        self.isatty = types.MethodType(isatty, self)

    @property
    def name(self):
        return self._name

    @property
    def mode(self):
        return self._mode

    @property
    def closefd(self):
        return False

    def readable(self):
        self._checkClosed()
        return self._reads

    def writable(self):
        self._checkClosed()
        return self._writes

    def seekable(self):
        self._checkClosed()
        return False

    def fileno(self):
        self._checkClosed()
        if self._fd < 0:
            raise io.UnsupportedOperation(
                "%s is a Rust %s without a file descriptor"
                % (self._name, "reader" if self._reads else "writer"))
        return self._fd

    def readinto(self, buffer):
        raise io.UnsupportedOperation("%s is not open for reading" % self._name)

    def write(self, data):
        raise io.UnsupportedOperation("%s is not open for writing" % self._name)

    def __repr__(self):
        return "<RustStream name=%r mode=%r>" % (self._name, self._mode)


def install(name, fd, readinto, write, flush, isatty, standard):
    """Makes `sys.<name>` a text stream over Rust's `read` / `write`; with `standard`, also
    `sys.__<name>__`, with the encoding, errors and line buffering Python chose for its own."""
    reading = name == "stdin"
    mode = "r" if reading else "w"
    raw = RustStream("<%s>" % name, mode + "b", fd, readinto, write, flush, isatty)
    encoding, errors = "utf-8", "backslashreplace" if name == "stderr" else "strict"
    line_buffering = name == "stderr"
    if standard:
        made = getattr(sys, "__%s__" % name, None)
        if isinstance(made, io.TextIOWrapper):
            encoding, errors = made.encoding, made.errors
            line_buffering = made.line_buffering
        elif not reading:
            line_buffering = line_buffering or raw.isatty()
    buffer = io.BufferedReader(raw) if reading else raw
    stream = io.TextIOWrapper(
        buffer,
        encoding=encoding,
        errors=errors,
        newline="\n",
        line_buffering=line_buffering,
        write_through=not reading,
    )
    stream.mode = mode
    setattr(sys, name, stream)
    if standard:
        setattr(sys, "__%s__" % name, stream)
    return stream
