"""The command line: it parses arguments and hands over to the config and the stages.

python -m pipeline run CONFIG [--input DIR] [--output DIR] [--quiet]
python -m pipeline detect [FILE] [--languages ru,th,en]
python -m pipeline names apply TABLE.csv [--registry REGISTRY.yaml]
python -m pipeline review DATASET [--registry REGISTRY.yaml] [--host 127.0.0.1] [--port 8765]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

EXIT_CONFIG_ERROR = 2
DEFAULT_REGISTRY = Path("configs/names.yaml")
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports a Ctrl-C
SMOKE_CONFIG = Path("configs/smoke.yaml")
REINSTALL = "pip install -c requirements.lock -e ."


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline",
        description="Russian, Thai and English news into one English corpus with canonical names, published as a Hugging Face dataset.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="run the pipeline from a YAML config")
    run.add_argument("config", type=Path)
    run.add_argument("--input", type=Path, help="folder of raw documents (overrides the config)")
    run.add_argument("--output", type=Path, help="folder for published datasets (overrides the config)")
    run.add_argument("--quiet", action="store_true", default=None, help="no progress bars and no summary")

    detect = commands.add_parser("detect", help="label lines with their language: lang<TAB>score<TAB>text")
    detect.add_argument("file", nargs="?", type=Path, help="input file (default: standard input)")
    detect.add_argument("--languages", default=None, help="comma-separated ISO 639-1 codes (default: the config's)")
    detect.add_argument("--config", type=Path, help="take detect settings from this run config")

    names = commands.add_parser("names", help="work with the name registry")
    names_commands = names.add_subparsers(dest="names_command", required=True)
    apply = names_commands.add_parser("apply", help="fold a reviewed names.csv back into the registry")
    apply.add_argument("table", type=Path)
    apply.add_argument(
        "--registry",
        type=Path,
        help=f"the registry to update (default: the run's, from run_report.json beside the table; else {DEFAULT_REGISTRY})",
    )

    review = commands.add_parser("review", help="review the names of a published dataset in a local web page")
    review.add_argument("dataset", type=Path, help="a published dataset folder (data/clean/<name>)")
    review.add_argument("--registry", type=Path, help=f"the registry to update (default: the run's; else {DEFAULT_REGISTRY})")
    review.add_argument("--host", default="127.0.0.1", help="address to serve on (default: 127.0.0.1, this machine only)")
    review.add_argument("--port", type=int, default=8765, help="port (default: 8765; 0 picks a free one)")
    review.add_argument(
        "--allow-remote", action="store_true", help="allow a --host other machines can reach; the address then needs its token"
    )
    return parser


def _error(message: str) -> int:
    """One `error:` line on stderr (a multi-line message from a library folded into it), and exit 2."""
    print("error: " + " ".join(message.split()), file=sys.stderr)
    return EXIT_CONFIG_ERROR


def _output_problem(output: Path) -> str | None:
    """Why nothing could be published under `output`, or None; it creates nothing to find out."""
    folder = output
    while not folder.exists() and folder.parent != folder:
        folder = folder.parent
    if not folder.is_dir():
        return f"{folder} is a file, not a folder"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"no permission to write in {folder}"
    return None


def _os_error(error: OSError) -> str:
    """ "/proc/foo: cannot write there (No such file or directory)", not "[Errno 2] ..."."""
    if error.filename is None:
        return error.strerror or str(error)
    return f"{error.filename}: cannot write there ({error.strerror or error})"


def _offline_hint(config: Path) -> str:
    if config.resolve() == SMOKE_CONFIG.resolve():
        return ""
    return f" To try it offline: python -m pipeline run {SMOKE_CONFIG} (tiny models built from text the package ships)."


def _run(args: argparse.Namespace) -> int:
    from pipeline.config import ConfigError, load_config

    try:
        config = load_config(args.config, {"input": args.input, "output": args.output, "quiet": args.quiet})
    except ConfigError as error:
        return _error(str(error))
    # Blame what set the folder: --input/--output when given, else the config's key.
    where_input = "--input" if args.input else f"{args.config}: input"
    where_output = "--output" if args.output else f"{args.config}: output"
    if not config.input.is_dir():
        return _error(f"{where_input}: no such folder: {config.input}")
    if problem := _output_problem(config.output):
        return _error(f"{where_output}: cannot publish in {config.output}: {problem}")

    from pipeline.executors.resume import completed_shards
    from pipeline.names import RegistryError
    from pipeline.publish import NothingToPublish, OutputLocked, staging_folder
    from pipeline.report import format_report, report_warnings
    from pipeline.run import run_pipeline
    from pipeline.translation import ModelLoadError

    try:
        result = run_pipeline(config)
    except ConfigError as error:  # a `stages` list the registered steps cannot make a chain of
        return _error(f"{args.config}: {error}")
    except ModelLoadError as error:
        return _error(f"{args.config}: {error}{_offline_hint(args.config)}")
    except RegistryError as error:
        return _error(str(error))
    except OutputLocked as error:
        return _error(f"{args.config}: output: {error}")
    except NothingToPublish as error:
        return _error(f"{args.config}: input {config.input}: {error}")
    except OSError as error:  # a full disk, a folder made read-only during the run, /proc
        return _error(f"{args.config}: {_os_error(error)}")
    except KeyboardInterrupt:
        staging = staging_folder(config.output, config.name)
        kept = f"the finished shards are kept in {staging}" if completed_shards(staging) else "no shard was finished yet"
        print(f"interrupted: {kept}; run the same command again to resume", file=sys.stderr)
        return EXIT_INTERRUPTED
    for warning in report_warnings(result.report):
        print(warning, file=sys.stderr)
    if not config.quiet:
        print(format_report(result.report), file=sys.stderr)
        print(f"\npublished: {result.output}", file=sys.stderr)
    return 0


def _detect(args: argparse.Namespace) -> int:
    from pipeline.config import ConfigError, DetectConfig, IngestConfig, load_config
    from pipeline.ingest.encodings import UnreadableFile, decode_bytes
    from pipeline.langid import LanguageDetector, unknown_languages

    settings, ingest = DetectConfig(), IngestConfig()
    if args.config:
        try:
            config = load_config(args.config)
        except ConfigError as error:
            return _error(str(error))
        settings, ingest = config.detect, config.ingest
    # Codes in any case ("RU,EN"), as ISO 639-1 writes them in lower case.
    languages = [code.strip().lower() for code in args.languages.split(",") if code.strip()] if args.languages else settings.languages
    if unknown := unknown_languages(languages):
        return _error(f"--languages: unknown language code(s) {', '.join(unknown)}: langdetect has no profile for them")
    detector = LanguageDetector(languages, seed=settings.seed, min_score=settings.min_score)
    try:
        # A file is read as `run` reads it: UTF-8, UTF-16, or the legacy encodings of the config.
        lines = decode_bytes(args.file.read_bytes(), ingest.legacy_encodings)[0].splitlines() if args.file else sys.stdin
        for line in lines:
            text = line.rstrip("\n")
            lang, score = detector.detect(text)
            sys.stdout.write(f"{lang}\t{score:.4f}\t{text}\n")
        sys.stdout.flush()
    except OSError as error:
        if isinstance(error, BrokenPipeError):  # `detect ... | head`: the reader has all it wanted
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0
        return _error(f"{args.file}: cannot read: {error.strerror or error}")
    except (UnreadableFile, UnicodeDecodeError) as error:
        return _error(f"{args.file or 'standard input'}: cannot read: {error}")
    return 0


def _review_registry(table: Path, given: Path | None) -> tuple[Path, str]:
    """The registry a table belongs to: --registry (made empty when missing), else the one its
    run recorded in run_report.json, else the default. RegistryError where there is none to use:
    never silently another registry than the run's."""
    from pipeline.names import RegistryError
    from pipeline.names.registry.edits import ensure_registry

    if given is not None:
        return given, "--registry, created empty" if ensure_registry(given) else "--registry"
    report_file = table.parent / "run_report.json"
    try:
        names = json.loads(report_file.read_text(encoding="utf-8"))["names"]
    except (OSError, ValueError, KeyError, TypeError):
        if not DEFAULT_REGISTRY.is_file():
            raise RegistryError(
                f"no registry: {report_file} names none and there is no {DEFAULT_REGISTRY} here; pass --registry FILE"
            ) from None
        return DEFAULT_REGISTRY, "the default: no run_report.json beside the table names one"
    if not isinstance(names, dict) or not names.get("registry"):
        raise RegistryError(
            f"the run of {table.parent} used no registry (normalize.registry: null): pass --registry FILE "
            "to choose one (an empty one is created if it does not exist)"
        )
    # Recorded relative to the dataset folder (older runs recorded an absolute path: `/` keeps it).
    return (table.parent / names["registry"]).resolve(), f"the run's, from {report_file}"


def _names_apply(args: argparse.Namespace) -> int:
    from pipeline.names import RegistryError, apply_review

    try:
        registry, why = _review_registry(args.table, args.registry)
        print(f"registry: {registry} ({why})", file=sys.stderr)
        summary = apply_review(args.table, registry)
    except RegistryError as error:
        return _error(str(error))
    changed = any(count for what, count in summary.items() if what != "unchanged")
    print("\n".join(f"{what.replace('_', ' '):<12}{count:>6}" for what, count in summary.items()))
    print(f"registry {'written' if changed else 'unchanged'}: {registry}")
    return 0


def _review(args: argparse.Namespace) -> int:
    from pipeline.names import RegistryError

    table = args.dataset / "names.csv"
    if not table.is_file():
        return _error(f"{args.dataset}: not a published dataset (no names.csv)")
    from pipeline.review import serve

    try:
        registry, why = _review_registry(table, args.registry)
        print(f"registry: {registry} ({why})", file=sys.stderr)
        if not registry.is_file():
            raise RegistryError(f"{registry}: no such registry file")
        serve(args.dataset.resolve(), registry.resolve(), args.host, args.port, allow_remote=args.allow_remote)
    except RegistryError as error:
        return _error(str(error))
    except OSError as error:  # the port is taken, the address is not this machine's
        return _error(f"cannot serve on {args.host}:{args.port}: {error.strerror or error}")
    return 0


def _command(args: argparse.Namespace) -> int:
    if args.command == "run":
        return _run(args)
    if args.command == "detect":
        return _detect(args)
    if args.command == "review":
        return _review(args)
    return _names_apply(args)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _command(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except ImportError as error:  # a package missing or broken: the install, not the input
        return _error(f"a package failed to import ({error}): the install is incomplete; reinstall with: {REINSTALL}")
    except Exception as error:
        if os.environ.get("PIPELINE_DEBUG"):
            raise
        name = " ".join(filter(None, [args.command, getattr(args, "names_command", None)]))
        return _error(f"{name}: unexpected {type(error).__name__}: {error} (set PIPELINE_DEBUG=1 to see where it happened)")
