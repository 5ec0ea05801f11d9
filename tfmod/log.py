"""``mx.log``: MXNet's logger factory (``get_logger``) with its glog-style coloured lines
(``W1207 02:30:00 1234 script.py:main:12] message``) and the ``logging`` level constants."""
import logging
import warnings

__all__ = ['CRITICAL', 'ERROR', 'WARNING', 'INFO', 'DEBUG', 'NOTSET', 'get_logger', 'getLogger']

CRITICAL = logging.CRITICAL
ERROR = logging.ERROR
WARNING = logging.WARNING
INFO = logging.INFO
DEBUG = logging.DEBUG
NOTSET = logging.NOTSET

_LABELS = {CRITICAL: 'C', ERROR: 'E', WARNING: 'W', INFO: 'I', DEBUG: 'D'}


class _Formatter(logging.Formatter):
    """Colour (red from WARNING, green from INFO, blue below), one-letter level, MMDD time,
    process id, file:function:line, then the message."""

    def __init__(self):
        super().__init__(datefmt='%m%d %H:%M:%S')

    @staticmethod
    def _color(level):
        if level >= logging.WARNING:
            return '\x1b[31m'
        if level >= logging.INFO:
            return '\x1b[32m'
        return '\x1b[34m'

    def format(self, record):
        self._style._fmt = (self._color(record.levelno) + _LABELS.get(record.levelno, 'U')
                            + '%(asctime)s %(process)d %(pathname)s:%(funcName)s:%(lineno)d'
                            + ']\x1b[0m %(message)s')
        return super().format(record)


def getLogger(name=None, filename=None, filemode=None, level=WARNING):
    """Deprecated spelling of ``get_logger`` (warns, as MXNet does)."""
    warnings.warn('getLogger is deprecated, Use get_logger instead.',
                  DeprecationWarning, stacklevel=2)
    return get_logger(name, filename, filemode, level)


def get_logger(name=None, filename=None, filemode=None, level=WARNING):
    """``logging.getLogger(name)``; a named logger gets, once, a handler -- a file handler
    (mode ``filemode``, default 'a') when ``filename`` is given, else a coloured stderr handler --
    and the level ``level``. The root logger (``name=None``) is returned untouched."""
    logger = logging.getLogger(name)
    if name is not None and not getattr(logger, '_init_done', None):
        logger._init_done = True
        if filename:
            handler = logging.FileHandler(filename, filemode if filemode else 'a')
        else:
            handler = logging.StreamHandler()
            handler.setFormatter(_Formatter())
        logger.addHandler(handler)
        logger.setLevel(level)
    return logger
