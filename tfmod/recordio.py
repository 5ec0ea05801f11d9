"""``mx.recordio``: MXNet's RecordIO files (``.rec`` and their ``.idx``), read and written
byte-compatibly in pure Python, and the image-record header (``IRHeader``, pack/unpack).

A record is ``magic, lrec, payload, zero padding to 4 bytes`` with little-endian uint32s:
``magic = 0xced7230a`` and ``lrec = cflag << 29 | length``. A payload that contains the magic
number at a 4-byte-aligned offset is split there into parts (cflag 1 = first, 2 = middle,
3 = last; 0 = a whole record), the magic itself left out, so a reader can resynchronise on any
magic it meets; reading puts the magic back between the parts.
"""
import numbers
import os
import struct
from collections import namedtuple

import numpy as np

from .base import MXNetError

_MAGIC = 0xced7230a
_MAGIC_BYTES = struct.pack('<I', _MAGIC)
_LEN_MASK = (1 << 29) - 1


def _encode(cflag, length):
    return struct.pack('<II', _MAGIC, (cflag << 29) | length)


class MXRecordIO:
    """Sequential reader (``flag='r'``) or writer (``'w'``) of a RecordIO file."""

    def __init__(self, uri, flag):
        self.uri = str(uri)
        self.flag = flag
        self.handle = None
        self.is_open = False
        self.open()

    def open(self):
        if self.flag == 'w':
            self.handle = open(self.uri, 'wb')
            self.writable = True
        elif self.flag == 'r':
            try:
                self.handle = open(self.uri, 'rb')
            except OSError as e:
                raise MXNetError('RecordIO file %s: %s' % (self.uri, e.strerror)) from None
            self.writable = False
        else:
            raise MXNetError("RecordIO %s: invalid flag %r (use 'r' or 'w')" % (self.uri, self.flag))
        self.pid = os.getpid()
        self.is_open = True

    def __del__(self):
        try:
            self.close()
        except Exception:  # noqa: BLE001 -- interpreter shutdown
            pass

    def __getstate__(self):
        d = dict(self.__dict__)
        d['handle'] = None
        d['is_open'] = False
        return d

    def __setstate__(self, d):
        self.__dict__.update(d)
        if self.flag == 'r':
            self.open()

    def close(self):
        if self.is_open:
            self.handle.close()
            self.is_open = False

    def reset(self):
        """Back to the start (a reader) / start over (a writer)."""
        self.close()
        self.open()

    def write(self, buf):
        """Append one record (bytes)."""
        if not self.writable:
            raise MXNetError('RecordIO %s was opened for reading' % self.uri)
        buf = bytes(buf)
        if len(buf) > _LEN_MASK:
            raise MXNetError('RecordIO %s: a record of %d bytes is too long (at most %d)'
                             % (self.uri, len(buf), _LEN_MASK))
        parts, start = [], 0
        for i in range(0, len(buf) - 3, 4):
            if buf[i:i + 4] == _MAGIC_BYTES:
                parts.append(buf[start:i])
                start = i + 4
        parts.append(buf[start:])
        out = bytearray()
        for k, part in enumerate(parts):
            cflag = 0 if len(parts) == 1 else 1 if k == 0 else 3 if k == len(parts) - 1 else 2
            out += _encode(cflag, len(part)) + part + b'\0' * (-len(part) % 4)
        self.handle.write(bytes(out))

    def tell(self):
        """Byte offset where the next record starts (what an .idx file stores)."""
        if not self.writable:
            raise MXNetError('RecordIO %s: tell() is for writers' % self.uri)
        return self.handle.tell()

    def _read_part(self):
        head = self.handle.read(8)
        if not head:
            return None
        if len(head) < 8:
            raise MXNetError('RecordIO %s: truncated record header at byte %d'
                             % (self.uri, self.handle.tell() - len(head)))
        magic, lrec = struct.unpack('<II', head)
        if magic != _MAGIC:
            raise MXNetError('RecordIO %s: bad magic number at byte %d (not a RecordIO file, '
                             'or corrupt)' % (self.uri, self.handle.tell() - 8))
        cflag, length = lrec >> 29, lrec & _LEN_MASK
        data = self.handle.read(length)
        if len(data) < length:
            raise MXNetError('RecordIO %s: truncated record (%d of %d bytes)'
                             % (self.uri, len(data), length))
        self.handle.seek(-length % 4, 1)
        return cflag, data

    def read(self):
        """The next record's bytes, or None at the end of the file."""
        if self.writable:
            raise MXNetError('RecordIO %s was opened for writing' % self.uri)
        part = self._read_part()
        if part is None:
            return None
        cflag, data = part
        if cflag == 0:
            return data
        if cflag != 1:
            raise MXNetError('RecordIO %s: a record starts in the middle of a split record'
                             % self.uri)
        chunks = [data]
        while cflag != 3:
            part = self._read_part()
            if part is None:
                raise MXNetError('RecordIO %s: the file ends inside a split record' % self.uri)
            cflag, data = part
            chunks.append(data)
        return _MAGIC_BYTES.join(chunks)


class MXIndexedRecordIO(MXRecordIO):
    """RecordIO with an index file (``key<TAB>offset`` lines) for random access by key."""

    def __init__(self, idx_path, uri, flag, key_type=int):
        self.idx_path = str(idx_path)
        self.idx = {}
        self.keys = []
        self.key_type = key_type
        self.fidx = None
        super().__init__(uri, flag)

    def open(self):
        super().open()
        self.idx = {}
        self.keys = []
        if self.writable:
            self.fidx = open(self.idx_path, 'w')
            return
        try:
            self.fidx = open(self.idx_path, 'r')
        except OSError as e:
            raise MXNetError('RecordIO index %s: %s' % (self.idx_path, e.strerror)) from None
        for n, line in enumerate(self.fidx, 1):
            fields = line.strip().split('\t')
            if not line.strip():
                continue
            if len(fields) != 2:
                raise MXNetError('RecordIO index %s, line %d: expected "key<TAB>offset", got %r'
                                 % (self.idx_path, n, line.strip()))
            key = self.key_type(fields[0])
            self.idx[key] = int(fields[1])
            self.keys.append(key)

    def close(self):
        if not self.is_open:
            return
        super().close()
        self.fidx.close()

    def __getstate__(self):
        d = super().__getstate__()
        d['fidx'] = None
        return d

    def seek(self, idx):
        """Position the reader at the record of key ``idx``."""
        if self.writable:
            raise MXNetError('RecordIO %s: seek() is for readers' % self.uri)
        if idx not in self.idx:
            raise MXNetError('RecordIO index %s has no key %r' % (self.idx_path, idx))
        self.handle.seek(self.idx[idx])

    def read_idx(self, idx):
        self.seek(idx)
        return self.read()

    def write_idx(self, idx, buf):
        key = self.key_type(idx)
        pos = self.tell()
        self.write(buf)
        self.fidx.write('%s\t%d\n' % (str(key), pos))
        self.idx[key] = pos
        self.keys.append(key)


IRHeader = namedtuple('HEADER', ['flag', 'label', 'id', 'id2'])
"""An image record's header: ``flag`` (the number of float labels when > 0), ``label`` (a
number, or an array), ``id`` and ``id2``."""
_IR_FORMAT = 'IfQQ'
_IR_SIZE = struct.calcsize(_IR_FORMAT)


def pack(header, s):
    """Header + payload bytes; an array label is stored after the header (flag = its size)."""
    header = IRHeader(*header)
    if isinstance(header.label, numbers.Number):
        header = header._replace(flag=0)
    else:
        label = np.asarray(header.label, dtype=np.float32)
        header = header._replace(flag=label.size, label=0)
        s = label.tobytes() + s
    return struct.pack(_IR_FORMAT, *header) + s


def unpack(s):
    """-> (IRHeader, payload bytes); the label is an array when the header's flag > 0."""
    if len(s) < _IR_SIZE:
        raise MXNetError('image record of %d bytes is shorter than its %d-byte header'
                         % (len(s), _IR_SIZE))
    header = IRHeader(*struct.unpack(_IR_FORMAT, s[:_IR_SIZE]))
    s = s[_IR_SIZE:]
    if header.flag > 0:
        if len(s) < header.flag * 4:
            raise MXNetError('image record: header says %d labels, the record is too short'
                             % header.flag)
        header = header._replace(label=np.frombuffer(s, np.float32, header.flag))
        s = s[header.flag * 4:]
    return header, s


def decode_image(buf, channels=0):
    """Encoded JPEG/PNG bytes -> uint8 HWC tensor (RGB order), decoded as OpenCV does: JPEGs
    with libjpeg's accurate integer DCT and fancy upsampling (TF's default DCT differs from
    OpenCV's output by a few grey levels)."""
    import tensorflow as tf
    if buf[:2] == b'\xff\xd8':
        return tf.io.decode_jpeg(buf, channels=channels, dct_method='INTEGER_ACCURATE')
    return tf.io.decode_image(buf, channels=channels, expand_animations=False)


def unpack_img(s, iscolor=-1):
    """-> (IRHeader, image as a numpy uint8 array, BGR channel order as OpenCV's imdecode)."""
    header, img = unpack(s)
    channels = {-1: 0, 0: 1, 1: 3}.get(iscolor, 0)
    arr = decode_image(img, channels).numpy()
    if arr.shape[-1] == 3:
        arr = arr[..., ::-1]
    elif iscolor == 0 or arr.shape[-1] == 1:
        arr = arr[..., 0]
    return header, arr


def pack_img(header, img, quality=95, img_fmt='.jpg'):
    """Header + the image (a BGR uint8 array, as OpenCV's) encoded as JPEG or PNG."""
    import tensorflow as tf
    img = np.asarray(img)
    rgb = img[..., ::-1] if img.ndim == 3 and img.shape[-1] == 3 else \
        (img[..., None] if img.ndim == 2 else img)
    fmt = img_fmt.lower()
    if fmt in ('.jpg', '.jpeg'):
        buf = tf.io.encode_jpeg(rgb.astype(np.uint8), quality=quality).numpy()
    elif fmt == '.png':
        buf = tf.io.encode_png(rgb.astype(np.uint8)).numpy()
    else:
        raise MXNetError('pack_img: img_fmt %r is not supported (.jpg or .png)' % img_fmt)
    return pack(header, buf)
