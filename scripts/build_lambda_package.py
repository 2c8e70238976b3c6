"""Build the AWS Lambda deployment package of sgaudit (``build/lambda/sgaudit-lambda.zip``).

    python scripts/build_lambda_package.py                 # x86_64, Python 3.12
    python scripts/build_lambda_package.py --arch arm64    # Graviton (deploy with Architecture=arm64)

The package holds sgaudit (with its rule pack, report templates and IAM policy) and its dependencies
as binary wheels for the Lambda runtime's platform and Python version, whatever machine builds it:
pydantic-core is compiled code, so pip is asked for ``manylinux`` wheels of that architecture and
that CPython version (``--platform ... --only-binary=:all: --python-version 3.12``).

boto3 and botocore (and their s3transfer, jmespath, python-dateutil, urllib3, six) are left out:
every Python runtime of Lambda provides them, and they are about 25 MB unzipped, most of the package.
The runtime's boto3 is older than PyPI's, but collection only calls long-established Describe and List
operations. ``--bundle-boto3`` puts them in anyway, to pin the version.

When an interpreter of the target Python version is on PATH (``python3.12``), the package is
byte-compiled with it (unchecked-hash pycs): Lambda's /var/task is read-only, so without them every
cold start compiles pydantic and the rest again.

pip's downloads are cached in ``build/.pip-cache`` inside the repository, nowhere else.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# What every Lambda Python runtime provides (and what boto3 pulls in).
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "urllib3", "six")
PLATFORMS = {
    "x86_64": ("manylinux2014_x86_64", "manylinux_2_28_x86_64"),
    "arm64": ("manylinux2014_aarch64", "manylinux_2_28_aarch64"),
}
# Lambda's limits for a .zip package: 50 MB uploaded directly, 250 MB unzipped.
ZIP_LIMIT = 50 * 1024 * 1024
UNZIPPED_LIMIT = 250 * 1024 * 1024
# What the package copies of the source tree (the wheel maps rules/ and reports/ into sgaudit/).
SOURCES = ("pyproject.toml", "README.md", "sgaudit", "rules", "reports")
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)


class BuildError(Exception):
    """The package could not be built, or came out wrong."""


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_name(requirement: str) -> str:
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    if match is None:
        raise BuildError(f"pyproject.toml: cannot read the dependency {requirement!r}")
    return _normal(match.group(1))


def dependencies(bundle_boto3: bool) -> list[str]:
    """sgaudit's dependencies from pyproject.toml, without what the runtime provides."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    skip = set() if bundle_boto3 else {_normal(n) for n in RUNTIME_PROVIDED}
    return [r for r in project["dependencies"] if _requirement_name(r) not in skip]


def _pip(*args: str) -> None:
    command = [sys.executable, "-m", "pip", "--disable-pip-version-check", *args]
    print("+ pip " + " ".join(args), flush=True)
    # CI containers build as root; pip's warning about it is noise here (nothing is installed globally).
    subprocess.run(command, check=True, env={**os.environ, "PIP_ROOT_USER_ACTION": "ignore"})


def _setuptools_usable() -> bool:
    # Without build isolation pip builds sgaudit with this interpreter's setuptools, saving a
    # download; a venv of Python 3.12+ has none, and then pip fetches it for an isolated build.
    try:
        version = importlib.metadata.version("setuptools")
    except importlib.metadata.PackageNotFoundError:
        return False
    return int(version.split(".")[0]) >= 68


def install(target: Path, arch: str, python_version: str, bundle_boto3: bool, cache: Path) -> None:
    """sgaudit (pure Python) and its dependencies' binary wheels for the runtime, into ``target``."""
    with tempfile.TemporaryDirectory(prefix="sgaudit-src-") as tmp:
        # Build from a copy: pip writes build/ and *.egg-info beside the sources it builds.
        source = Path(tmp) / "src"
        source.mkdir()
        for name in SOURCES:
            path = ROOT / name
            if path.is_dir():
                shutil.copytree(path, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            else:
                shutil.copy2(path, source / name)
        isolation = ["--no-build-isolation"] if _setuptools_usable() else []
        _pip(
            "install", "--quiet", "--no-deps", "--no-compile", "--cache-dir", str(cache),
            *isolation, "--target", str(target), str(source),
        )  # fmt: skip
    platforms = [arg for platform in PLATFORMS[arch] for arg in ("--platform", platform)]
    _pip(
        "install", "--quiet", "--no-compile", "--cache-dir", str(cache), "--target", str(target),
        *platforms, "--implementation", "cp", "--python-version", python_version,
        "--only-binary=:all:", "--upgrade", *dependencies(bundle_boto3),
    )  # fmt: skip


def installed(target: Path) -> dict[str, str]:
    """Distribution name -> version of everything in ``target``."""
    found: dict[str, str] = {}
    for info in target.glob("*.dist-info"):
        name, _, version = info.name.removesuffix(".dist-info").rpartition("-")
        found[_normal(name)] = version
    return dict(sorted(found.items()))


def check(target: Path, arch: str, python_version: str, bundle_boto3: bool) -> None:
    """Refuse a package that pulled in the runtime's libraries or lacks the compiled pydantic-core."""
    present = installed(target)
    if not bundle_boto3:
        leaked = sorted(set(present) & {_normal(n) for n in RUNTIME_PROVIDED})
        if leaked:
            raise BuildError(f"a dependency pulled in {', '.join(leaked)}, which the runtime provides")
    machine = "x86_64" if arch == "x86_64" else "aarch64"
    tag = f"cpython-{python_version.replace('.', '')}-{machine}-linux-gnu"
    if not list(target.glob(f"pydantic_core/_pydantic_core.{tag}.so")):
        raise BuildError(f"pydantic_core has no {tag} extension: the wheel is for another platform")
    for needed in (
        "sgaudit/lambda_handler.py",
        "sgaudit/data/iam-policy.json",
        "sgaudit/rules",
        "sgaudit/reports",
    ):
        if not (target / needed).exists():
            raise BuildError(f"the package lacks {needed}")


def prune(target: Path) -> None:
    """Drop what never runs in Lambda: caches, and the test suites some wheels ship."""
    for path in sorted(target.rglob("__pycache__"), reverse=True):
        shutil.rmtree(path)
    for tests in sorted(target.glob("networkx/**/tests"), reverse=True):
        shutil.rmtree(tests)
    shutil.rmtree(target / "bin", ignore_errors=True)  # console scripts (pygmentize, markdown-it)


def find_interpreter(python_version: str, given: str | None = None) -> str | None:
    """An interpreter of ``python_version`` that runs: ``given``, this one, or ``pythonX.Y`` on PATH."""
    current = f"{sys.version_info.major}.{sys.version_info.minor}"
    candidates = [given] if given else [sys.executable if current == python_version else None]
    candidates.append(shutil.which(f"python{python_version}"))
    for candidate in filter(None, candidates):
        # A version manager's shim may exist and still refuse to run that version.
        probe = subprocess.run(
            [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            check=False,
        )
        if probe.returncode == 0 and probe.stdout.strip() == python_version:
            return candidate
    return None


def compile_for(target: Path, python_version: str, given: str | None = None) -> str | None:
    """Byte-compile with an interpreter of ``python_version``, if there is one; which one."""
    interpreter = find_interpreter(python_version, given)
    if interpreter is None:
        print(f"note: no working python{python_version}, the package is not byte-compiled", flush=True)
        return None
    subprocess.run(
        [
            interpreter,
            "-m",
            "compileall",
            "-q",
            "-j",
            "0",
            "--invalidation-mode",
            "unchecked-hash",
            str(target),
        ],
        check=True,
    )
    return interpreter


def write_zip(target: Path, output: Path) -> None:
    """A reproducible zip of ``target``: sorted entries, fixed times, ordinary permissions."""
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_suffix(".zip.partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in sorted(p for p in target.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(path.relative_to(target).as_posix(), date_time=_FIXED_TIME)
            info.external_attr = (0o755 if os.access(path, os.X_OK) else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    os.replace(partial, output)


def _size(path: Path) -> int:
    return (
        sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
        if path.is_dir()
        else path.stat().st_size
    )


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def report(
    target: Path, output: Path, arch: str, python_version: str, bundle_boto3: bool
) -> dict[str, object]:
    """Print the sizes against Lambda's limits and write the package's manifest beside the zip."""
    unzipped, zipped = _size(target), output.stat().st_size
    tops = sorted(
        ((_size(p), p.name) for p in target.iterdir() if p.is_dir() and not p.name.endswith(".dist-info")),
        reverse=True,
    )[:6]
    print(f"package: {output}")
    boto3 = "bundled" if bundle_boto3 else "from the runtime"
    print(f"  for:       Lambda python{python_version}, {arch}; boto3 {boto3}")
    print(f"  zipped:    {_mb(zipped)} (limit {_mb(ZIP_LIMIT)} for a direct upload)")
    print(f"  unzipped:  {_mb(unzipped)} (limit {_mb(UNZIPPED_LIMIT)})")
    print("  largest:   " + ", ".join(f"{name} {_mb(size)}" for size, name in tops))
    if zipped > ZIP_LIMIT or unzipped > UNZIPPED_LIMIT:
        raise BuildError("the package exceeds Lambda's size limits")
    manifest: dict[str, object] = {
        "architecture": arch,
        "python_version": python_version,
        "boto3": "bundled" if bundle_boto3 else "runtime",
        "zipped_bytes": zipped,
        "unzipped_bytes": unzipped,
        "distributions": installed(target),
    }
    output.with_suffix(".json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def build(
    *,
    arch: str,
    python_version: str,
    output: Path,
    work: Path,
    bundle_boto3: bool,
    compile_pyc: bool,
    interpreter: str | None = None,
) -> dict[str, object]:
    """Install, check, prune, compile and zip; the package's manifest."""
    target = work / f"package-{arch}"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    install(target, arch, python_version, bundle_boto3, ROOT / "build" / ".pip-cache")
    check(target, arch, python_version, bundle_boto3)
    prune(target)
    if compile_pyc:
        compile_for(target, python_version, interpreter)
    write_zip(target, output)
    return report(target, output, arch, python_version, bundle_boto3)


def main(argv: list[str] | None = None) -> None:
    """Command line of the build."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--arch", choices=sorted(PLATFORMS), default="x86_64", help="Lambda architecture")
    parser.add_argument("--python-version", default="3.12", help="the runtime's Python version (python3.12)")
    parser.add_argument(
        "--output",
        type=Path,
        default=ROOT / "build" / "lambda" / "sgaudit-lambda.zip",
        help="the zip to write",
    )
    parser.add_argument("--work", type=Path, default=None, help="staging folder (default: beside --output)")
    parser.add_argument(
        "--bundle-boto3", action="store_true", help="include boto3 rather than use the runtime's"
    )
    parser.add_argument("--no-compile", action="store_true", help="do not byte-compile the package")
    parser.add_argument("--interpreter", help="the pythonX.Y that byte-compiles (default: found on PATH)")
    args = parser.parse_args(argv)
    if not re.fullmatch(r"3\.\d+", args.python_version):
        raise BuildError(f"--python-version {args.python_version!r}: expected 3.N")
    build(
        arch=args.arch,
        python_version=args.python_version,
        output=args.output.resolve(),
        work=(args.work or args.output.parent).resolve(),
        bundle_boto3=args.bundle_boto3,
        compile_pyc=not args.no_compile,
        interpreter=args.interpreter,
    )


if __name__ == "__main__":
    main()
