"""The ONNX Runtime backends of the embedder (COACH_EMBEDDING_BACKEND=onnx | onnx-int8).

The real bundled model is exported into a temporary COACH_HOME (no shared test cache), with
every network connection refused, and its vectors are compared with torch's. The tests that
export or load a model are marked slow; the checks of settings and model folders are not, nor
is the check on the session's shared embedder (conftest.embedder), which is loaded already.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from coach.app import build_coach
from coach.cli import main
from coach.config import Settings, load_settings
from coach.errors import ConfigError, EmbeddingMismatchError
from coach.providers.embeddings import make_embedder
from coach.providers.onnx_embeddings import OnnxEmbeddings, pooling_mode
from coach.providers.onnx_export import check_supported, fingerprint

SENTENCES = [
    "What is a PDSA cycle?",
    "Hi.",
    "How should the board support an organisation-wide approach to quality improvement?",
    "A run chart plots a measure over time with the median drawn as a centre line, and six "
    "points in a row above or below the median make a shift.",
]
# int8 weights move the vectors a little: measured on the shipped knowledge, the lowest
# cosine to torch's was 0.994 over 267 chunks, 0.991 over their 1,272 sentences, 0.991 for "Hi."
INT8_COSINE = 0.985

PDSA = """# PDSA cycles

## Planning a test

A Plan-Do-Study-Act cycle tests one change on a small scale. The team writes down a
prediction before the test starts.
"""


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One COACH_HOME for the module, so each backend is exported once here."""
    return tmp_path_factory.mktemp("onnx-home")


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to open a network connection fails the test."""

    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("the embedder tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def onnx_settings(home: Path, backend: str, **more: object) -> Settings:
    """Settings for ``backend`` whose exports go to ``home``/models (the default place), so
    the module's tests share the files the first test exported."""
    more.setdefault("embedding_cache", home / "models")
    return Settings(_env_file=None, home=home, embedding_backend=backend,  # type: ignore[call-arg]
                    **more)


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["onnx", "onnx-int8"])
def test_export_happens_once_under_coach_home_and_is_reused(home, backend, monkeypatch,
                                                           offline):
    monkeypatch.delenv("COACH_EMBEDDING_CACHE")
    first = make_embedder(onnx_settings(home, backend, embedding_cache=None))
    assert isinstance(first, OnnxEmbeddings)
    first.encode(["warm up"])
    assert first.model_file is not None
    assert first.model_file.parent == home / "models" / f"all-MiniLM-L6-v2-{backend}"
    made = first.model_file.stat()

    again = make_embedder(onnx_settings(home, backend, embedding_cache=None))
    vectors = again.encode(SENTENCES)

    assert isinstance(again, OnnxEmbeddings) and again.model_file == first.model_file
    assert again.model_file.stat().st_mtime_ns == made.st_mtime_ns  # reused, not rewritten
    assert again.model_file.stat().st_ino == made.st_ino
    # only the finished file is left: no temporary export folders or partial files
    assert [p.name for p in again.model_file.parent.iterdir()] == [again.model_file.name]
    assert np.allclose(vectors, first.encode(SENTENCES), atol=1e-6)


@pytest.mark.slow
@pytest.mark.parametrize(("backend", "bound"), [("onnx", 0.9999), ("onnx-int8", INT8_COSINE)])
def test_onnx_vectors_agree_with_torch(home, backend, bound, torch_embedder, offline):
    onnx = make_embedder(onnx_settings(home, backend))
    ours, torch = onnx.encode(SENTENCES), torch_embedder.encode(SENTENCES)

    assert ours.shape == torch.shape == (len(SENTENCES), 384)
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    cosines = (ours * torch).sum(axis=1)
    assert cosines.min() >= bound, cosines
    assert onnx.model_name == f"all-MiniLM-L6-v2+{backend}" != torch_embedder.model_name


@pytest.mark.slow
def test_a_texts_int8_vector_does_not_depend_on_the_texts_beside_it(home):
    """int8 quantises a whole input's activations at once: texts are run one at a time, so a
    chunk gets the same vector whether it is embedded alone or in a large ingest."""
    onnx = make_embedder(onnx_settings(home, "onnx-int8"))
    alone = np.stack([onnx.encode([text])[0] for text in SENTENCES])
    together = onnx.encode(SENTENCES * 3)
    assert onnx.encode([]).shape == (0, 384)
    assert np.array_equal(together[:len(SENTENCES)], alone)
    assert np.array_equal(together[len(SENTENCES):2 * len(SENTENCES)], alone)


def test_the_default_backends_vector_does_not_depend_on_the_texts_beside_it(embedder):
    """The same for the default backend, which the tests share (conftest.embedder): so the
    vectors it remembers for the session are exactly the ones a fresh run gives."""
    assert isinstance(embedder, OnnxEmbeddings)
    run = OnnxEmbeddings.encode  # the model itself, past the session's remembered vectors
    alone = np.stack([run(embedder, [text])[0] for text in SENTENCES])
    together = run(embedder, ["Another text first."] + SENTENCES * 2)
    assert np.array_equal(together[1:1 + len(SENTENCES)], alone)
    assert np.array_equal(together[1 + len(SENTENCES):], alone)
    remembered = embedder.encode(SENTENCES + SENTENCES[:1])
    assert np.array_equal(remembered[:len(SENTENCES)], alone)
    assert np.array_equal(remembered[-1], alone[0]) and remembered.dtype == np.float32
    assert embedder.encode([]).shape == (0, 384)
    assert run(embedder, []).shape == (0, 384)
    # the vector size is read from the model's files once, not for every question
    assert embedder.__dict__["dimension"] == 384
    # sentence vectors pooled from the same run (ingest): likewise
    spans = [(0, 4), (5, 12)]
    pooled = OnnxEmbeddings.encode_pooled  # the model itself
    alone_vec, (alone_spans,) = pooled(embedder, SENTENCES[3:4], [spans])
    beside_vecs, beside_spans = pooled(embedder, SENTENCES[2:4], [[(0, 3)], spans])
    again_vecs, again_spans = embedder.encode_pooled(SENTENCES[3:4] * 2, [spans, spans])
    assert np.array_equal(beside_vecs[1], alone_vec[0])
    assert np.array_equal(again_vecs, np.stack([alone_vec[0]] * 2))
    for got in (beside_spans[1], *again_spans):
        assert len(got) == len(alone_spans) == 2
        assert all(np.array_equal(g, a) for g, a in zip(got, alone_spans, strict=True))


def test_texts_the_model_reads_as_the_same_tokens_run_once(embedder, monkeypatch):
    """A question and its routers' intent forms are often the same tokens to an uncased
    model ("What is a PDSA cycle?", "what is a pdsa cycle?"): the model runs once for them,
    and each text still gets the vector it would get alone."""
    session, tokenizer, lower = embedder._load()
    runs: list[int] = []

    class Counting:  # the real ONNX Runtime session, its runs counted
        def get_inputs(self):
            return session.get_inputs()

        def run(self, *args, **kwargs):
            runs.append(1)
            return session.run(*args, **kwargs)

    monkeypatch.setattr(embedder, "_loaded", (Counting(), tokenizer, lower))
    texts = ["What is a PDSA cycle?", "what is a  pdsa cycle?", "WHAT IS A PDSA CYCLE?", "Hi."]
    vectors = OnnxEmbeddings.encode(embedder, texts)  # the model itself, past the test cache
    assert len(runs) == 2
    assert np.array_equal(vectors[0], vectors[1]) and np.array_equal(vectors[0], vectors[2])
    alone = OnnxEmbeddings.encode(embedder, ["Hi."])
    assert np.array_equal(vectors[3], alone[0]) and len(runs) == 3


@pytest.mark.slow
def test_sentence_vectors_pooled_from_the_onnx_run_agree_with_torch(home, torch_embedder):
    onnx = make_embedder(onnx_settings(home, "onnx"))
    assert isinstance(onnx, OnnxEmbeddings)
    text = SENTENCES[3] + " " + SENTENCES[2]
    cut = len(SENTENCES[3])
    spans = [[(0, cut), (cut + 1, len(text)), (len(text), len(text) + 5)]]

    ours, ours_pooled = onnx.encode_pooled([text], spans)
    theirs, theirs_pooled = torch_embedder.encode_pooled([text], spans)

    assert float(ours[0] @ theirs[0]) > 0.9999
    assert ours_pooled[0][2] is None and theirs_pooled[0][2] is None  # past the text's end
    for mine, other in zip(ours_pooled[0][:2], theirs_pooled[0][:2], strict=True):
        assert mine is not None and other is not None
        assert float(mine @ other) > 0.9999


@pytest.mark.slow
def test_two_processes_exporting_at_once_leave_one_good_file(tmp_path, torch_embedder):
    """Both processes export into the same cache at the same time; each renames its own
    finished file into place, so the survivor is whole and loads."""
    script = ("import sys; from pathlib import Path; "
              "from coach.providers.encoding import resolve_model_path; "
              "from coach.providers.onnx_export import exported_model; "
              "src = Path(resolve_model_path('bundled:all-MiniLM-L6-v2')[1]); "
              "print(exported_model(src, 'all-MiniLM-L6-v2', 'onnx', Path(sys.argv[1])))")
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    runs = [subprocess.Popen([sys.executable, "-c", script, str(tmp_path)], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)]
    outs = [run.communicate(timeout=600) for run in runs]

    assert [run.returncode for run in runs] == [0, 0], [err for _, err in outs]
    made = {out.strip() for out, _ in outs}
    assert len(made) == 1
    folder = tmp_path / "all-MiniLM-L6-v2-onnx"
    assert [p.name for p in folder.iterdir()] == [Path(made.pop()).name]
    onnx = OnnxEmbeddings(backend="onnx", cache=tmp_path)
    first = SENTENCES[:1]
    assert float((onnx.encode(first) @ torch_embedder.encode(first).T)[0, 0]) > 0.9999


@pytest.mark.slow
def test_a_backend_change_is_a_model_change(torch_embedder, make_settings, write_md):
    settings = make_settings()
    write_md(settings.knowledge_dir / "pdsa.md", PDSA, title="PDSA cycles")
    build_coach(settings, embedder=torch_embedder).ingest()  # an index built with torch

    other = build_coach(make_settings(embedding_backend="onnx-int8"))
    with pytest.raises(EmbeddingMismatchError) as err:
        other.ingest()

    message = str(err.value)
    assert "coach ingest --rebuild" in message and "COACH_EMBEDDING_BACKEND" in message
    assert "all-MiniLM-L6-v2+onnx-int8" in message


@pytest.mark.slow
def test_ingest_if_needed_rebuilds_an_index_built_with_another_backend(
        torch_embedder, make_settings, write_md, tmp_path, monkeypatch, capsys):
    """`make run` runs `coach ingest --if-needed`: after the backend changes it must still
    start, rebuilding the index, and keep a document indexed from outside the folder."""
    settings = make_settings()
    write_md(settings.knowledge_dir / "pdsa.md", PDSA, title="PDSA cycles")
    outside = write_md(tmp_path / "elsewhere" / "aims.md",
                       "# Aims\n\nA good aim says how much, by when.", title="Aims")
    # built with torch, as every index was before the default backend became onnx-int8
    build_coach(settings, embedder=torch_embedder).ingest([settings.knowledge_dir, outside])
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COACH_HOME", str(settings.home))
    monkeypatch.setenv("COACH_KNOWLEDGE_DIR", str(settings.knowledge_dir))  # default backend

    assert main(["ingest"]) == 2  # asked plainly, it refuses and says what to do
    assert "coach ingest --rebuild" in capsys.readouterr().err

    assert main(["ingest", "--if-needed"]) == 0
    out = capsys.readouterr().out
    assert "built with the embedder all-MiniLM-L6-v2;" in out and "Rebuilding" in out
    assert "2 added" in out
    coach = build_coach(load_settings())
    assert coach._index.collection.metadata["embedding_model"] == "all-MiniLM-L6-v2+onnx"
    assert set(coach.sources()) == {"pdsa.md", outside.resolve().as_posix()}

    assert main(["ingest", "--if-needed"]) == 0
    assert capsys.readouterr().out == ""  # current now: nothing to say


def test_a_bad_backend_is_refused_naming_the_setting(monkeypatch):
    monkeypatch.setenv("COACH_EMBEDDING_BACKEND", "tensorflow")
    with pytest.raises(ConfigError) as err:
        load_settings(_env_file=None)
    message = str(err.value)
    assert "COACH_EMBEDDING_BACKEND" in message
    assert "'torch', 'onnx' or 'onnx-int8'" in message


def test_onnx_backends_run_on_the_cpu_only(tmp_path):
    with pytest.raises(ConfigError, match="COACH_EMBEDDING_BACKEND=torch"):
        make_embedder(onnx_settings(tmp_path, "onnx", embedding_device="cuda"))


def write_model_folder(root: Path, modules: list[str], pooling: dict[str, bool]) -> Path:
    """A sentence-transformers folder's description files (no weights needed to refuse)."""
    root.mkdir(parents=True, exist_ok=True)
    paths = {"Transformer": "", "Pooling": "1_Pooling", "Dense": "2_Dense",
             "Normalize": "3_Normalize"}
    (root / "modules.json").write_text(json.dumps([
        {"idx": i, "name": str(i), "path": paths[kind],
         "type": f"sentence_transformers.models.{kind}"} for i, kind in enumerate(modules)]))
    (root / "1_Pooling").mkdir(exist_ok=True)
    (root / "1_Pooling" / "config.json").write_text(json.dumps(
        {"word_embedding_dimension": 8, **pooling}))
    return root


def test_models_the_onnx_backends_cannot_compute_are_refused(tmp_path):
    mean = {"pooling_mode_mean_tokens": True, "pooling_mode_cls_token": False}
    dense = write_model_folder(tmp_path / "dense", ["Transformer", "Pooling", "Dense"], mean)
    with pytest.raises(ConfigError, match="Dense module.*COACH_EMBEDDING_BACKEND=torch"):
        check_supported(dense)
    both = write_model_folder(tmp_path / "both", ["Transformer", "Pooling"],
                              {"pooling_mode_mean_tokens": True,
                               "pooling_mode_max_tokens": True})
    with pytest.raises(ConfigError, match="pools its tokens"):
        pooling_mode(both)
    cls = write_model_folder(tmp_path / "cls", ["Transformer", "Pooling", "Normalize"],
                             {"pooling_mode_cls_token": True})
    check_supported(cls)
    assert pooling_mode(cls) == "cls"
    assert pooling_mode(write_model_folder(tmp_path / "mean", ["Transformer", "Pooling"],
                                           mean)) == "mean"


def test_the_export_is_redone_when_the_model_files_change(tmp_path):
    folder = write_model_folder(tmp_path / "m", ["Transformer", "Pooling"],
                                {"pooling_mode_mean_tokens": True})
    before = fingerprint(folder)
    assert fingerprint(folder) == before
    (folder / "model.safetensors").write_bytes(b"new weights")
    assert fingerprint(folder) != before
