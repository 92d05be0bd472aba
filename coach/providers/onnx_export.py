"""ONNX Runtime files made on this machine from a local sentence-transformers model.

The model's transformer is exported with ``torch.onnx.export`` (the TorchScript exporter,
which needs only the ``onnx`` package), its graph fused by onnxruntime's transformer optimiser
(one Attention, SkipLayerNorm and BiasGelu node per layer for a BERT model) and, for
``onnx-int8``, its weights quantised to int8 per output channel
(``onnxruntime.quantization.quantize_dynamic``; the feed-forward down-projections stay
float32). Nothing is downloaded: the weights come from the model folder.

A file is made once and kept in the cache folder (``COACH_HOME/models`` by default) under
``<model>-<backend>/model-<fingerprint>.onnx``, the fingerprint naming the source folder's
files (names, sizes, modification times) and the export recipe, so a changed model is
exported again. It is written to a temporary file beside its final name and renamed into
place: two processes exporting at once each write their own file, the second rename replaces
the first with an identical one, and no reader ever opens half a file.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import tempfile
import warnings
from pathlib import Path
from typing import Literal

from coach.errors import ConfigError

log = logging.getLogger(__name__)

OnnxBackend = Literal["onnx", "onnx-int8"]
# bump when the export recipe changes, so cached files made by the old one are made again
EXPORT_RECIPE = "2"
# model types whose graph onnxruntime's BERT optimiser fuses (checked against torch in tests)
FUSED_TYPES = frozenset({"bert"})
OPSET = 17


def fingerprint(folder: Path) -> str:
    """A short digest of the model folder's files (name, size, mtime) and the recipe."""
    h = hashlib.sha256(f"recipe {EXPORT_RECIPE}\n".encode())
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        stat = path.stat()
        h.update(f"{path.relative_to(folder).as_posix()} {stat.st_size} "
                 f"{stat.st_mtime_ns}\n".encode())
    return h.hexdigest()[:16]


def exported_model(source: Path, name: str, backend: OnnxBackend, cache: Path) -> Path:
    """The ONNX file for ``backend`` of the model in ``source``, exported on first use."""
    folder = cache / f"{name}-{backend}"
    target = folder / f"model-{fingerprint(source)}.onnx"
    if target.is_file():
        return target
    folder.mkdir(parents=True, exist_ok=True)
    log.warning("exporting the embedder %s for ONNX Runtime (%s) into %s: once, about 10 s",
                name, backend, folder)
    with tempfile.TemporaryDirectory(prefix=".export-", dir=folder) as tmp:
        work = Path(tmp)
        made = _export_fp32(source, work)
        if backend == "onnx-int8":
            made = _quantise(made, work / "model-int8.onnx")
        os.replace(made, target)  # atomic within one folder: readers see all or nothing
    for old in folder.glob("model-*.onnx"):
        if old != target:  # made from an earlier version of the model or recipe
            with contextlib.suppress(OSError):
                old.unlink()
    return target


def transformer_folder(source: Path) -> Path:
    """Where the sentence-transformers folder keeps its Hugging Face transformer."""
    try:
        modules = json.loads((source / "modules.json").read_text())
    except (OSError, ValueError):
        return source
    for module in modules:
        if str(module.get("type", "")).endswith("Transformer"):
            return source / str(module.get("path", ""))
    return source


def _export_fp32(source: Path, work: Path) -> Path:
    """Export the transformer (token vectors out) and fuse its graph when the type allows."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    import torch
    from transformers import AutoConfig, AutoModel

    folder = transformer_folder(source)
    config = AutoConfig.from_pretrained(str(folder), local_files_only=True)
    # the eager attention exports as plain MatMul/Softmax, the pattern the optimiser fuses
    model = AutoModel.from_pretrained(str(folder), local_files_only=True,
                                      attn_implementation="eager").eval()
    names = ["input_ids", "attention_mask"]
    if int(getattr(config, "type_vocab_size", 0) or 0) > 0:
        names.append("token_type_ids")
    ids = torch.full((2, 12), 101, dtype=torch.long)
    mask = torch.ones_like(ids)
    mask[1, 7:] = 0  # a padded row, so nothing about padding is traced as a constant
    inputs = {"input_ids": ids, "attention_mask": mask, "token_type_ids": torch.zeros_like(ids)}
    axes = {n: {0: "batch", 1: "tokens"} for n in [*names, "token_vectors"]}
    raw = work / "model-raw.onnx"

    class TokenVectors(torch.nn.Module):
        """The transformer with positional inputs and one output: its last hidden state."""

        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, *tensors: torch.Tensor) -> torch.Tensor:
            out = self.model(**dict(zip(names, tensors, strict=True)))
            return out.last_hidden_state  # type: ignore[no-any-return]

    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tracer's notes on shapes it treats as fixed
        torch.onnx.export(TokenVectors(), tuple(inputs[n] for n in names),
                          str(raw), input_names=names, output_names=["token_vectors"],
                          dynamic_axes=axes, opset_version=OPSET, dynamo=False)
    if config.model_type not in FUSED_TYPES:
        return raw
    from onnxruntime.transformers.optimizer import optimize_model

    fused = optimize_model(str(raw), model_type="bert", num_heads=config.num_attention_heads,
                           hidden_size=config.hidden_size, opt_level=1)
    out = work / "model-fused.onnx"
    fused.save_model_to_file(str(out))
    return out


def _quantise(model: Path, out: Path) -> Path:
    """Weights to int8 per output channel, activations quantised on the fly, except the
    feed-forward down-projections: their inputs (GELU outputs) quantise worst. Measured on the
    shipped chunks against torch, keeping them in float32 halves the vectors' error (mean
    1 - cosine 0.0051 -> 0.0024 for chunks, 0.0066 -> 0.0031 for their sentences) for about
    a third more compute than quantising everything."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    graph = onnx.load(str(model), load_external_data=False).graph
    shapes = {init.name: tuple(init.dims) for init in graph.initializer}
    down = [node.name for node in graph.node if node.op_type == "MatMul"
            and any(len(shapes.get(i, ())) == 2 and shapes[i][0] > shapes[i][1]
                    for i in node.input)]
    root = logging.getLogger()
    quiet = _Quiet()  # its advice to pre-process: tried, same vectors, so not taken
    root.addFilter(quiet)
    try:
        quantize_dynamic(str(model), str(out), weight_type=QuantType.QInt8, per_channel=True,
                         nodes_to_exclude=down,
                         extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
    finally:
        root.removeFilter(quiet)
    return out


class _Quiet(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "pre-processing before quantization" not in record.getMessage()


def check_supported(source: Path) -> None:
    """Refuse, with what to do instead, a model whose ONNX version we would compute wrongly."""
    try:
        modules = json.loads((source / "modules.json").read_text())
    except (OSError, ValueError) as exc:
        raise ConfigError(
            f"{source} has no readable modules.json, so it cannot run on the ONNX backends; "
            "set COACH_EMBEDDING_BACKEND=torch."
        ) from exc
    for module in modules:
        kind = str(module.get("type", "")).rsplit(".", 1)[-1]
        if kind not in ("Transformer", "Pooling", "Normalize"):
            raise ConfigError(
                f"The embedder in {source} has a {kind} module, which the ONNX backends do "
                "not run; set COACH_EMBEDDING_BACKEND=torch."
            )
