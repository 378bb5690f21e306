"""bench/load.py's mix through nginx before two uWSGI instances, beside one instance served directly."""
# Run by hand from the repo root: .venv/bin/python bench/load_proxy.py --help (load.py's flags;
# --workers is processes per instance). The nginx config is deploy/'s, rendered as deploy/run does.

import json
import os
import secrets
import subprocess
import sys
import tempfile
from contextlib import ExitStack, contextmanager
from importlib.machinery import SourceFileLoader
from importlib.util import module_from_spec, spec_from_loader
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))  # run as a script: its helpers sit next to it

from load import (  # noqa: E402
    SCHEMA,
    Links,
    app_env,
    bench_server,
    drain,
    exact_counts,
    parse_args,
    prepared_database,
    report,
    run_load,
    schema_url,
    verdict,
)
from pages import database_label  # noqa: E402
from servers import (  # noqa: E402
    ROOT,
    HarnessError,
    free_port,
    mail_worker,
    memory,
    print_log,
    serving,
    stop,
    wait_ready,
)


def deploy_run():
    """deploy/run as a module (it has no .py), for its render_nginx."""
    loader = SourceFileLoader("deploy_run", str(ROOT / "deploy" / "run"))
    module = module_from_spec(spec_from_loader("deploy_run", loader))
    loader.exec_module(module)
    return module


@contextmanager
def proxy(workdir, ports):
    """Debian's nginx with deploy/'s configuration before the instances on `ports`: its port."""
    port = free_port()
    values = {"ROOT": str(ROOT), "STATE": str(workdir), "LISTEN_ADDRESS": "127.0.0.1", "HTTP_PORT": str(port),
              "HTTPS_PORT": "0", "TLS_CERTIFICATE": "", "TLS_KEY": "",
              "WEB1_PORT": str(ports[0]), "WEB2_PORT": str(ports[1])}
    deploy_run().render_nginx(values)
    log_path = Path(workdir) / "nginx.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(["nginx", "-e", "stderr", "-p", f"{workdir}/nginx", "-c", f"{workdir}/nginx.conf",
                                 "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=log, start_new_session=True)
        try:
            wait_ready(proc, port)
            yield port
        except BaseException:
            print_log(log_path)
            raise
        finally:
            stop(proc)


def bench_proxied(args, server):
    """Two instances of `server` behind nginx, on a fresh schema: figures and the exact-count check."""
    env = dict(app_env(schema_url(args.postgresql_url, SCHEMA), secrets.token_hex(32)), PROXY_COUNT="1")
    with tempfile.TemporaryDirectory(prefix="bench-load-proxy-") as workdir:
        with prepared_database(args, env, workdir) as engine, ExitStack() as stack:
            instances = [stack.enter_context(serving(server, "wsgi:app", ROOT, env, workdir, name=f"web{n}"))
                         for n in (1, 2)]
            port = stack.enter_context(proxy(workdir, [p for _, p, _ in instances]))
            print(f"\nnginx before two instances of {server.label()}: {args.concurrency} visitors, "
                  f"{args.warmup:g} s warm-up, {args.seconds:g} s measured")
            with mail_worker(env, workdir):
                # CPU: "server" is the first instance; the second and nginx are under "other".
                everything, figures = run_load(args, port, Links(engine), (instances[0][0].pid, os.getpid()))
                drain(engine)
            both = [memory(proc.pid) for proc, _, _ in instances]
            figures["memory"] = {key: sum(m[key] for m in both) for key in both[0]}
            stack.close()  # both instances stop (and finish what they hold) before anything is counted
            figures["counts"] = exact_counts(engine, everything)
            figures["errors_all_phases"] = sum(everything.errors.values())
    figures.update(server=f"nginx+2x{server.spec}", server_label=f"nginx, 2 x {server.label()}",
                   database=f"{database_label(args.postgresql_url)}, schema {SCHEMA}")
    figures["verdict"] = verdict(figures)
    return figures


def main(argv=None):
    """One instance directly, then two behind the proxy; 1 if a count differs, 2 if it could not run."""
    args = parse_args(argv)
    try:
        results = [bench_server(args, args.server), bench_proxied(args, args.server)]
        for figures in results:
            report(args, figures)
    except (HarnessError, OSError, subprocess.SubprocessError) as exc:
        print(f"bench/load_proxy.py: {exc}", file=sys.stderr)
        return 2
    print(f"\n{'shape':52s} {'signatures/min':>15s} {'confirm/min':>12s} {'views/s':>8s} {'req/s':>7s} {'errors':>7s}")
    for f in results:
        print(f"{f['server_label']:52s} {f['signatures_per_min']:15,.0f} {f['confirmations_per_min']:12,.0f} "
              f"{f['page_views_per_s']:8.1f} {f['requests_per_s']:7.1f} {f['errors_all_phases']:7d}")
    if args.json:
        print(json.dumps({"bench": "load_proxy", "results": results}))
    return 0 if all(f["counts"]["exact"] for f in results) else 1


if __name__ == "__main__":
    sys.exit(main())
