"""fetch_ucr against a real HTTP server on localhost, serving zips built here."""

import io
import socket
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from sklstm.datasets import (
    SequenceDataset,
    fetch_ucr,
    get_data_home,
    load_folder,
    load_ucr_tsv,
)

TRAIN_TSV = "1\t0.5\t1.5\t2.5\n2\t-1.0\t0.0\t1.0\n1\t3.0\t2.0\t1.0\n"
TEST_TSV = "2\t0.0\t0.0\t0.0\n1\t1.0\t1.0\t1.0\n"
TS_HEADER = "# Ragged: a toy multivariate set\n@problemName Ragged\n@univariate false\n"
TRAIN_TS = TS_HEADER + "@data\n1,2,3:4,5,6:a\n1,2:3,4:b\n"
TEST_TS = TS_HEADER + "@data\n7,8,9,10:1,1,1,1:b\n"


def zipped(files, folder=""):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in files.items():
            zf.writestr(folder + name, text)
    return buffer.getvalue()


ZIPS = {
    "/Toy.zip": zipped({"Toy_TRAIN.tsv": TRAIN_TSV, "Toy_TEST.tsv": TEST_TSV}),
    "/Ragged.zip": zipped(
        {"Ragged_TRAIN.ts": TRAIN_TS, "Ragged_TEST.ts": TEST_TS, "x.arff": ""},
        folder="Ragged/",
    ),
    "/Empty.zip": zipped({"README.txt": "nothing"}),
}


class Archive(BaseHTTPRequestHandler):
    """Serves ZIPS; ``mode`` on the server breaks the transfer on purpose."""

    def do_GET(self):
        self.server.requests.append(self.path)
        body = ZIPS.get(self.path)
        if body is None:
            self.send_error(404)
            return
        mode = self.server.mode
        if mode == "garbage":
            body = b"PK\x03\x04" + bytes(len(body))
        self.send_response(200)
        self.send_header("Content-Type", "application/zip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if mode == "killed":  # the connection dies half way
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.wfile.write(body)

    def log_message(self, *args):
        """Keep the server's request log out of the test output."""


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Archive)
    httpd.requests, httpd.mode = [], "ok"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    httpd.url = f"http://127.0.0.1:{httpd.server_address[1]}/"
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def test_a_fetch_downloads_once_and_reads_the_cache(server, tmp_path):
    dataset = fetch_ucr("Toy", data_home=tmp_path, base_url=server.url)
    assert isinstance(dataset, SequenceDataset)
    folder = tmp_path / "ucr" / "Toy"
    X_train, _ = load_ucr_tsv(folder / "Toy_TRAIN.tsv")
    X_test, _ = load_ucr_tsv(folder / "Toy_TEST.tsv")
    np.testing.assert_array_equal(dataset.X, np.concatenate([X_train, X_test]))
    np.testing.assert_array_equal(dataset.y, [1, 2, 1, 2, 1])
    assert dataset.X.shape == (5, 3)  # univariate, as the bundled loaders give it
    assert f"{server.url}Toy.zip" in dataset.description
    test = fetch_ucr("Toy", subset="test", data_home=tmp_path, base_url=server.url)
    np.testing.assert_array_equal(test.y, [2, 1])
    assert server.requests == ["/Toy.zip"]
    # The cache is load_folder's layout, and serves without the server.
    server.shutdown()
    _, y = fetch_ucr("Toy", subset="train", data_home=tmp_path, return_X_y=True)
    np.testing.assert_array_equal(y, [1, 2, 1])
    assert list(load_folder(tmp_path)) == ["Toy"]


def test_variable_length_multivariate_sets_come_as_lists(server, tmp_path):
    X, y = fetch_ucr("Ragged", data_home=tmp_path, base_url=server.url, return_X_y=True)
    assert [x.shape for x in X] == [(3, 2), (2, 2), (4, 2)]
    np.testing.assert_array_equal(y, ["a", "b", "b"])
    assert sorted(p.name for p in (tmp_path / "ucr" / "Ragged").iterdir()) == [
        "Ragged_TEST.ts",
        "Ragged_TRAIN.ts",
    ]


@pytest.mark.parametrize("mode", ["killed", "garbage"])
def test_a_broken_download_never_poisons_the_cache(server, tmp_path, mode):
    server.mode = mode
    with pytest.raises(OSError, match=r"Toy\.zip") as error:
        fetch_ucr("Toy", data_home=tmp_path, base_url=server.url)
    assert str(tmp_path / "ucr" / "Toy") in str(error.value)  # where to put it
    assert list((tmp_path / "ucr").iterdir()) == []  # nothing left behind
    server.mode = "ok"
    _, y = fetch_ucr("Toy", data_home=tmp_path, base_url=server.url, return_X_y=True)
    assert len(y) == 5


def test_no_network_names_the_url_and_the_folder(tmp_path):
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/"
    with pytest.raises(OSError, match="Could not download") as error:
        fetch_ucr("Toy", data_home=tmp_path, base_url=url)
    message = str(error.value)
    assert f"{url}Toy.zip" in message
    assert str(tmp_path / "ucr" / "Toy") in message
    assert not (tmp_path / "ucr" / "Toy").exists()


def test_unknown_sets_and_archives_without_the_files_are_errors(server, tmp_path):
    with pytest.raises(OSError, match="404"):
        fetch_ucr("Missing", data_home=tmp_path, base_url=server.url)
    with pytest.raises(OSError, match="Empty_TRAIN"):
        fetch_ucr("Empty", data_home=tmp_path, base_url=server.url)
    assert list((tmp_path / "ucr").iterdir()) == []
    with pytest.raises(OSError, match="download_if_missing"):
        fetch_ucr("Toy", data_home=tmp_path, download_if_missing=False)


@pytest.mark.parametrize("name", ["../etc", "", "a/b", 3])
def test_names_that_are_not_dataset_names_are_refused(name, tmp_path):
    with pytest.raises(ValueError, match="name must be"):
        fetch_ucr(name, data_home=tmp_path)


def test_subset_is_checked_before_any_download(tmp_path):
    with pytest.raises(ValueError, match="subset"):
        fetch_ucr("Toy", subset="valid", data_home=tmp_path)


def test_the_data_home_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("SKLSTM_DATA_HOME", str(tmp_path / "cache"))
    assert get_data_home() == tmp_path / "cache"
    assert (tmp_path / "cache").is_dir()
    assert get_data_home(tmp_path / "other") == tmp_path / "other"
    monkeypatch.delenv("SKLSTM_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert get_data_home() == tmp_path / "sklstm_data"
