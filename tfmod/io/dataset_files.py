"""The dataset files MXNet's test_utils and example scripts fetch (``mx.test_utils.get_mnist``,
``get_mnist_iterator``, ``get_cifar10``, ``get_zip_data``, ``get_bz2_data``, ``download``), in
MXNet's file names and layout.

Files already present are used as they are. When one is missing, ``download`` tries the network
(MXNet's retry count and messages) and, failing that, raises MXNetError naming the URL and the
path to place the file at -- the usual case on machines without internet access.
"""
import bz2
import errno
import logging
import os
import urllib.request
import zipfile

import numpy as np

from ..base import MXNetError
from .mnist_files import load_mnist_part, read_idx_images, read_idx_labels
from .ndarray_iter import NDArrayIter


def download(url, fname=None, dirname=None, overwrite=False, retries=5):
    """Download ``url`` to ``fname`` (default: its last path part) in ``dirname``; an existing
    file is kept unless ``overwrite``. Returns the file name. When the download fails (no
    network), raises MXNetError naming the URL and the path to place the file at."""
    assert retries >= 0, 'Number of retries should be at least 0'
    if fname is None:
        fname = url.split('/')[-1]
    if dirname is None:
        dirname = os.path.dirname(fname)
    else:
        fname = os.path.join(dirname, fname)
    if dirname != '' and not os.path.exists(dirname):
        try:
            logging.info('create directory %s', dirname)
            os.makedirs(dirname)
        except OSError as exc:
            if exc.errno != errno.EEXIST:
                raise OSError('failed to create ' + dirname) from None
    if not overwrite and os.path.exists(fname):
        logging.info('%s exists, skipping download', fname)
        return fname
    last = None
    left = retries
    while True:
        try:
            tmp = fname + '.part'
            with urllib.request.urlopen(url, timeout=30) as r, open(tmp, 'wb') as f:
                status = getattr(r, 'status', 200)
                if status != 200:
                    raise OSError('HTTP status %s' % status)
                while True:
                    chunk = r.read(1 << 16)
                    if not chunk:
                        break
                    f.write(chunk)
            os.replace(tmp, fname)
            logging.info('downloaded %s into %s successfully', url, fname)
            return fname
        except (OSError, ValueError) as e:
            last = e
            if os.path.exists(fname + '.part'):
                os.remove(fname + '.part')
            left -= 1  # as MXNet: `retries` attempts in all (at least one)
            if left <= 0:
                break
            print('download failed, retrying, {} attempt{} left'
                  .format(left, 's' if left > 1 else ''))
    raise MXNetError('cannot download %s (%s); place the file at %s'
                     % (url, last, os.path.abspath(fname)))


def _need_files(files, url, dirname, zip_name):
    """Make sure ``files`` exist, extracting ``dirname/zip_name`` (downloaded from ``url`` if
    absent) when any is missing; the error names both the files and the archive."""
    if all(os.path.exists(f) for f in files):
        return
    try:
        zip_file_path = download(url, dirname=dirname)
    except MXNetError as e:
        missing = [os.path.abspath(f) for f in files if not os.path.exists(f)]
        raise MXNetError('%s; or place the extracted files there (missing: %s)'
                         % (e, ', '.join(missing))) from None
    assert os.path.basename(zip_file_path) == zip_name
    with zipfile.ZipFile(zip_file_path) as zf:
        zf.extractall(dirname)


_MNIST_URL = 'http://data.mxnet.io/data/mnist/'


def get_mnist():
    """MNIST from ``train-/t10k-{images-idx3,labels-idx1}-ubyte.gz`` in the working directory
    (downloaded when possible): {'train_data', 'train_label', 'test_data', 'test_label'};
    images float32 (N, 1, 28, 28) scaled by 1/255, labels int8."""
    def read_data(label_url, image_url):
        label = read_idx_labels(download(label_url)).astype(np.int8)
        image = read_idx_images(download(image_url))
        if len(image) != len(label):
            raise MXNetError('MNIST: %s holds %d images but %s holds %d labels'
                             % (image_url.split('/')[-1], len(image),
                                label_url.split('/')[-1], len(label)))
        image = image.reshape(image.shape[0], 1, 28, 28).astype(np.float32) / 255
        return label, image
    train_lbl, train_img = read_data(_MNIST_URL + 'train-labels-idx1-ubyte.gz',
                                     _MNIST_URL + 'train-images-idx3-ubyte.gz')
    test_lbl, test_img = read_data(_MNIST_URL + 't10k-labels-idx1-ubyte.gz',
                                   _MNIST_URL + 't10k-images-idx3-ubyte.gz')
    return {'train_data': train_img, 'train_label': train_lbl,
            'test_data': test_img, 'test_label': test_lbl}


def get_mnist_pkl():
    """Make sure ``data/mnist.pkl.gz`` exists (downloading it when possible)."""
    if not os.path.isdir('data'):
        os.makedirs('data')
    if not os.path.exists('data/mnist.pkl.gz'):
        download('http://deeplearning.net/data/mnist/mnist.pkl.gz', dirname='data')


_MNIST_UBYTE = ('data/train-images-idx3-ubyte', 'data/train-labels-idx1-ubyte',
                'data/t10k-images-idx3-ubyte', 'data/t10k-labels-idx1-ubyte')


def get_mnist_ubyte():
    """Make sure MNIST's four idx files are in ``data/`` (else extract ``data/mnist.zip``,
    downloaded when possible)."""
    if not os.path.isdir('data'):
        os.makedirs('data')
    _need_files(_MNIST_UBYTE, 'http://data.mxnet.io/mxnet/data/mnist.zip', 'data', 'mnist.zip')


def get_cifar10():
    """Make sure ``data/cifar/{train,test}.{rec,lst}`` exist (else extract
    ``data/cifar10.zip``, downloaded when possible)."""
    if not os.path.isdir('data'):
        os.makedirs('data')
    _need_files(('data/cifar/train.rec', 'data/cifar/test.rec', 'data/cifar/train.lst',
                 'data/cifar/test.lst'), 'http://data.mxnet.io/mxnet/data/cifar10.zip',
                'data', 'cifar10.zip')


def _mnist_iter(image, label, batch_size, flat, shuffle, num_parts, part_index):
    img, lab = load_mnist_part(image, label, num_parts, part_index, shuffle, seed=0)
    data = img.reshape(len(img), -1) if flat else img.reshape(len(img), 1, *img.shape[1:])
    # MNISTIter yields full batches only, in the same (load-time shuffled) order every epoch
    return NDArrayIter(data, lab, batch_size=batch_size, shuffle=False,
                           last_batch_handle='discard', data_name='data',
                           label_name='softmax_label')


def get_mnist_iterator(batch_size, input_shape, num_parts=1, part_index=0):
    """(train, val) iterators over ``data/*-ubyte`` as MXNet's MNISTIter gives them: pixels
    scaled by 1/256, flat (batch, 784) unless ``input_shape`` has 3 dims, both shuffled once
    with MNISTIter's seed 0, full batches only."""
    get_mnist_ubyte()
    flat = len(input_shape) != 3
    train = _mnist_iter(_MNIST_UBYTE[0], _MNIST_UBYTE[1], batch_size, flat, True,
                        num_parts, part_index)
    val = _mnist_iter(_MNIST_UBYTE[2], _MNIST_UBYTE[3], batch_size, flat, True,
                      num_parts, part_index)
    return train, val


def get_zip_data(data_dir, url, data_origin_name):
    """Unless ``data_dir/data_origin_name`` exists, download it from ``url`` and extract it
    into ``data_dir`` (as MXNet, an archive already present is taken as extracted)."""
    data_origin_name = os.path.join(data_dir, data_origin_name)
    if not os.path.exists(data_origin_name):
        try:
            download(url, dirname=data_dir, overwrite=False)
        except MXNetError as e:
            raise MXNetError('%s, with its contents extracted into %s (an archive already '
                             'there counts as extracted)' % (e, os.path.abspath(data_dir))) \
                from None
        with zipfile.ZipFile(data_origin_name) as zip_file:
            zip_file.extractall(path=data_dir)


def get_bz2_data(data_dir, data_name, url, data_origin_name):
    """Unless ``data_dir/data_name`` exists, decompress ``data_dir/data_origin_name``
    (downloaded from ``url`` when absent) into it and remove the archive."""
    data_name = os.path.join(data_dir, data_name)
    data_origin_name = os.path.join(data_dir, data_origin_name)
    if not os.path.exists(data_name):
        try:
            download(url, fname=data_origin_name, overwrite=False)
        except MXNetError as e:
            raise MXNetError('%s; or place the decompressed file at %s'
                             % (e, os.path.abspath(data_name))) from None
        with bz2.BZ2File(data_origin_name, 'rb') as bz_file, open(data_name, 'wb') as fout:
            for line in bz_file:
                fout.write(line)
        os.remove(data_origin_name)
