"""The `optimlab` command: serve the page, or run and export experiments without a server.

    optimlab serve [--host 127.0.0.1] [--port 8000] [--open]
    optimlab run exp.json          # the design.md §6 stream events as NDJSON on stdout
    optimlab train training.json   # the design.md §10 stream events of a training, as NDJSON
    optimlab code exp.json         # the plain-PyTorch script of the first run (of either kind)

`exp.json` holds a request body of POST /api/experiments, `training.json` one of POST /api/trainings
(`-` reads it from standard input); `code` takes either. A file that cannot be read or a spec the
API would refuse ends the command with one line on stderr and exit status 2, as argparse does for
bad arguments.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import threading
import time
import webbrowser
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

from pydantic import BaseModel, ValidationError

from app.engine.errors import SpecError
from app.engine.spec import ExperimentSpec
from app.settings import Settings

if TYPE_CHECKING:  # the training package imports torch: only the commands that train load it
    from app.engine.train.spec import TrainingSpec

Spec = TypeVar("Spec", bound=BaseModel)

PROG = "optimlab"


class UsageError(Exception):
    """A bad file or spec: reported in one line, exit status 2."""


def fail(message: str) -> NoReturn:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    raise SystemExit(2)


def _where(loc: Sequence[str | int]) -> str:
    return ".".join(str(part) for part in loc) or "(the document)"


def read_document(path: str) -> Any:
    """The JSON in `path` (or stdin for `-`)."""
    name = "<stdin>" if path == "-" else path
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise UsageError(f"cannot read {path}: {getattr(err, 'strerror', None) or err}") from None
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as err:
        raise UsageError(f"{name} is not valid JSON: {err}") from None


def is_training(document: Any) -> bool:
    """A training's body has a `task` (design.md §10); an experiment's a `surface`."""
    return isinstance(document, dict) and "task" in document


def read_spec(path: str, model: type[Spec], document: Any = None) -> Spec:
    """The request in `path` (or stdin for `-`; or `document`, already read), shape-checked like a body."""
    name = "<stdin>" if path == "-" else path
    if document is None:
        document = read_document(path)
    try:
        return model.model_validate(document)
    except ValidationError as err:
        first = err.errors()[0]
        more = f" (and {err.error_count() - 1} more)" if err.error_count() > 1 else ""
        raise UsageError(f"{name}: {_where(first['loc'])}: {first['msg']}{more}") from None


def spec_failure(path: str, err: SpecError) -> UsageError:
    return UsageError(f"{'<stdin>' if path == '-' else path}: {_where(err.loc)}: {err.msg}")


# --- commands ------------------------------------------------------------------------------------


def print_events(events: Iterator[Any]) -> None:
    """Stream the events to stdout, one JSON document per line, flushed as computed."""
    from app.api.jsonio import dumps

    try:
        for event in events:
            sys.stdout.write(dumps(event.to_dict()) + "\n")
            sys.stdout.flush()
    except BrokenPipeError:  # `optimlab run exp.json | head`: the reader is gone, so is our work
        events.close()
        # Python would complain again when it flushes stdout at exit; point it at /dev/null instead.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def command_run(args: argparse.Namespace, settings: Settings) -> None:
    """The experiment's design.md §6 events, as NDJSON on stdout."""
    import torch

    from app.engine.runs import iterate_experiment, prepare_experiment

    torch.set_num_threads(1)  # as the server does: tiny tensors, and the same numbers either way
    spec = read_spec(args.file, ExperimentSpec)
    try:
        prepared = prepare_experiment(spec, settings.limits)
    except SpecError as err:
        raise spec_failure(args.file, err) from None
    print_events(iterate_experiment(prepared, settings.chunk_seconds))


def command_train(args: argparse.Namespace, settings: Settings) -> None:
    """The training's design.md §10 events, as NDJSON on stdout (one thread, as iterate_training sets)."""
    from app.engine.train import TrainingSpec, iterate_training, prepare_training

    spec = read_spec(args.file, TrainingSpec)
    try:
        prepared = prepare_training(spec, settings.limits)
    except SpecError as err:
        raise spec_failure(args.file, err) from None
    print_events(iterate_training(prepared))


def _script(spec: ExperimentSpec | TrainingSpec, run: int, settings: Settings) -> str:
    """The script of run `run` of an experiment or a training; SpecError located as in the request's one run."""
    from app.engine.codegen import script_for
    from app.engine.train.codegen import TrainingScriptSpec, training_script_for

    if isinstance(spec, ExperimentSpec):
        return script_for(spec.surface, spec.steps, spec.runs[run], settings.limits)
    shared = {
        "task": spec.task,
        "epochs": spec.epochs,
        "batch_size": spec.batch_size,
        "shuffle_seed": spec.shuffle_seed,
    }
    return training_script_for(TrainingScriptSpec(**shared, run=spec.runs[run]), settings.limits)


def command_code(args: argparse.Namespace, settings: Settings) -> None:
    """Print the standalone script for one run (the first unless --run says otherwise)."""
    from app.engine.train import TrainingSpec

    document = read_document(args.file)
    training = is_training(document)
    spec = read_spec(args.file, TrainingSpec if training else ExperimentSpec, document)
    if not 0 <= args.run < len(spec.runs):
        kind = "training" if training else "experiment"
        raise UsageError(f"{args.file}: --run {args.run} is out of range: the {kind} has {len(spec.runs)} runs")
    try:
        script = _script(spec, args.run, settings)
    except SpecError as err:
        if err.loc[:1] == ("run",):  # where the run sits in the file: runs.N.optimizer..., not run.optimizer...
            err = SpecError(("runs", args.run, *err.loc[1:]), err.msg, err.type)
        raise spec_failure(args.file, err) from None
    sys.stdout.write(script)


def _open_when_up(url: str, host: str, port: int, timeout: float = 60.0) -> None:
    """Open the page in a browser once the server accepts connections."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=1):
                webbrowser.open(url)
                return
        except OSError:
            time.sleep(0.2)


def command_serve(args: argparse.Namespace, settings: Settings) -> None:
    from app.api.pool import start_fork_server

    # Started first, so the workers' warm-up (app/workers/preload.py) runs alongside this process's start.
    # Not in create_app(): an app built without serving it (a test's) needs no workers.
    start_fork_server()
    from app.main import create_app
    from app.serving import serve

    settings = settings.model_copy(update={"host": args.host or settings.host, "port": args.port or settings.port})
    # 0.0.0.0 and :: listen everywhere; a browser on this machine reaches them through loopback.
    browse_host = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host
    url = f"http://{browse_host}:{settings.port}/"
    if args.open:
        threading.Thread(target=_open_when_up, args=(url, browse_host, settings.port), daemon=True).start()
    print(f"{PROG}: serving on {url}", file=sys.stderr)
    serve(create_app(settings), settings)


# --- the parser ----------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG, description="Real torch.optim optimizers and LR schedulers on 2-D loss surfaces and small networks."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="{serve,run,train,code}")

    serve = commands.add_parser("serve", help="serve the web page and the API")
    serve.add_argument("--host", help="interface to listen on (default: OPTIMLAB_HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (default: OPTIMLAB_PORT or 8000)")
    serve.add_argument("--open", action="store_true", help="open the page in a web browser")
    serve.set_defaults(handler=command_serve)

    run = commands.add_parser("run", help="run an experiment file; NDJSON events on stdout")
    run.add_argument("file", help="a POST /api/experiments body as JSON, or - for stdin")
    run.set_defaults(handler=command_run)

    train = commands.add_parser("train", help="run a training file; NDJSON events on stdout")
    train.add_argument("file", help="a POST /api/trainings body as JSON, or - for stdin")
    train.set_defaults(handler=command_train)

    code = commands.add_parser("code", help="print the plain-PyTorch script of one run of an experiment or training")
    code.add_argument("file", help="a POST /api/experiments or /api/trainings body as JSON, or - for stdin")
    code.add_argument("--run", type=int, default=0, help="which run, counting from 0 (default: 0)")
    code.set_defaults(handler=command_code)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    settings = Settings()
    from app.engine.catalog import keep_probes_in  # torch, which every command loads anyway

    keep_probes_in(settings.cache_dir)  # the catalog's probe as the last command or server start kept it
    try:
        args.handler(args, settings)
    except UsageError as err:
        fail(str(err))
    except KeyboardInterrupt:
        raise SystemExit(130) from None


if __name__ == "__main__":
    main()
