"""``routellm train ROUTER``: train a router from preference battles and benchmark outcomes and
save the checkpoint."""

from __future__ import annotations

import argparse
import shlex
import sys
from typing import Any

from routellm_core.loading.loader import loadable_spec
from routellm_core.cli.common import (
    add_training_data_args,
    parse_key_values,
    read_prompt_file,
    training_data_from_args,
)
from routellm_core.data.training_data import per_source_sample
from routellm_core.errors import ConfigError
from routellm_core.routers.registry import available_routers, router_class
from routellm_core.utils.files import check_checkpoint_dir
from routellm_core.utils.validation import parse_finite


def register(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "train",
        help="train a router from preference battles and benchmark outcomes",
        description="Train a router. Battles: rows prompt, model_a, model_b, winner (model_a|model_b|tie); "
        "each file is one source (judge and model set). Golden: rows prompt, scores {model: 0..1}, turned "
        "into strong-vs-weak battles. JSONL, CSV or Parquet, gzip ok.",
    )
    p.add_argument("router", choices=available_routers(), metavar="ROUTER",
                   help=f"router type, one of: {', '.join(available_routers())}")
    add_training_data_args(p)
    p.add_argument("--strong", help="strong model name (needed with --golden unless --golden-all-pairs)")
    p.add_argument("--weak", help="weak model name (needed with --golden unless --golden-all-pairs)")
    p.add_argument("--embedder", help="embedder name (default: minilm-static)")
    p.add_argument("--epochs", type=int, help="passes over the data (>= 1)")
    p.add_argument("--dim", type=int, help="mf: model embedding size (>= 1)")
    p.add_argument("--hidden", type=int, help="mf: hidden layer width (0 = linear projection)")
    p.add_argument("--lr", type=parse_finite, help="learning rate (>= 0)")
    p.add_argument("--member", action="append", metavar="ROUTER",
                   help="blend: a trained member router, as load_router takes it (default, or a checkpoint folder "
                        "such as ./my-bert); repeat for each of the 2 to 8 members (the first sets the score's level)")
    p.add_argument("--teacher", metavar="ROUTER",
                   help="pooled_ridge: distil the targets from this trained router (as load_router takes it, e.g. a "
                        "pooled_bert folder), with --opt teacher_weight=W (its share of each target, in (0, 1])")
    p.add_argument("--member-weight", action="append", type=parse_finite, metavar="W",
                   help="blend: the weight (>= 0) of each --member, in the same order (default: equal weights)")
    p.add_argument("--opt", nargs="*", metavar="KEY=VALUE", help="other router parameters (values read as JSON)")
    cal = p.add_mutually_exclusive_group()
    cal.add_argument("--calibration-prompts", metavar="FILE",
                     help="prompts whose score quantiles set strong_fraction thresholds (default: the training prompts)")
    cal.add_argument("--calibrate-on-battles", action="store_true",
                     help="calibrate on the distinct prompts of the --battles files (chat traffic)")
    cal.add_argument("--calibrate-per-source", type=int, metavar="N",
                     help="calibrate on up to N distinct prompts of every training file (a seeded sample), so "
                          "that no single file dominates the quantiles")
    p.add_argument("--init", metavar="ROUTER",
                   help="warm start from a trained router of the same type (e.g. default, or a checkpoint folder): "
                        "the weights move from the prior's toward the new data (pooled_ridge, tfidf_ridge)")
    p.add_argument("--init-alpha", type=parse_finite, metavar="A",
                   help="with --init: ridge penalty on the change from the prior's weights (default: chosen by "
                        "cross-validation on the labels); larger keeps the prior more")
    p.add_argument("--seed", type=int, default=0,
                   help="random seed of the initialisation, the shuffling and the calibration sample (default: 0)")
    p.add_argument("--out", required=True, help="output checkpoint folder (load it later as a path, e.g. ./my-router)")
    p.add_argument("--force", action="store_true",
                   help="overwrite a non-empty --out folder that is not a checkpoint of this router type")
    p.add_argument("--no-record-command", dest="record_command", action="store_false",
                   help="do not store the command line in the checkpoint")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    out_dir = check_checkpoint_dir(args.out, args.router, force=args.force)
    router = _make_router(args, router_class(args.router))
    prior = _load_prior(args, router)
    teacher = _load_teacher(args, router)
    data = training_data_from_args(args, args.strong, args.weak)
    battles = data.battles
    unknown = sorted(set(getattr(router, "source_weights", None) or {}) - set(battles.sources()))
    if unknown:
        raise ConfigError(
            f"source_weights names {', '.join(map(repr, unknown))}, which no training file is; "
            f"the sources (file names without suffixes) are: {', '.join(map(repr, battles.sources()))}."
        )
    print(
        f"training {args.router} on {len(battles)} battles, {len(battles.unique_prompts())} prompts, "
        f"{len(battles.models())} models, {len(battles.sources())} sources",
        file=sys.stderr,
    )
    calib: list[str] | None = None
    calib_source = None
    if args.calibration_prompts:
        calib = read_prompt_file(args.calibration_prompts)
    elif args.calibrate_on_battles:
        if not args.battles:
            raise ConfigError("--calibrate-on-battles needs --battles files.")
        calib = data.battle_prompts
        calib_source = f"distinct prompts of the battle files (n={len(calib)})"
    elif args.calibrate_per_source is not None:
        calib = per_source_sample(battles, args.calibrate_per_source, args.seed)
        calib_source = (
            f"up to {args.calibrate_per_source} distinct prompts of each of the {len(battles.sources())} "
            f"training files, seed {args.seed} (n={len(calib)})"
        )
    fit_options: dict[str, Any] = {} if teacher is None else {"teacher": teacher}
    if prior is not None:
        router.fit(battles, calibration_prompts=calib, init=prior, init_alpha=args.init_alpha, **fit_options)
    else:
        router.fit(battles, calibration_prompts=calib, **fit_options)
    if calib_source is not None:
        router.calibration_source_ = calib_source
    router.training_info_ = {
        "calibration": router.calibration_source_,
        "command": "routellm " + " ".join(shlex.quote(a) for a in sys.argv[1:]) if args.record_command else None,
        "data": data.summary,
        "n_battles": len(battles),
        "n_prompts": len(battles.unique_prompts()),
        "models": battles.models(),
    }
    if args.member:
        router.training_info_["members"] = list(args.member)
    if teacher is not None:
        router.training_info_["teacher"] = args.teacher
    if prior is not None:
        router.training_info_["init"] = {"router": args.init, "init_alpha": args.init_alpha}
    out = router.save(out_dir)
    print(f"saved {args.router} router to {out} (load it with load_router({loadable_spec(out)!r}))")
    return 0


def _load_prior(args: argparse.Namespace, router: Any) -> Any:
    """The router ``--init`` names (checked before any data is read), or None."""
    if args.init is None:
        if args.init_alpha is not None:
            raise ConfigError("--init-alpha needs --init ROUTER (the prior to start from).")
        return None
    if args.init_alpha is not None and args.init_alpha <= 0:
        raise ConfigError(f"--init-alpha must be > 0 (the penalty on the change from the prior), got {args.init_alpha:g}.")
    if not getattr(router, "warm_startable", lambda: False)():
        raise ConfigError(f"router {args.router!r} has no warm start; --init works with pooled_ridge and tfidf_ridge.")
    from routellm_core.loading.loader import load_router

    prior = load_router(args.init)
    if type(prior) is not type(router):
        raise ConfigError(f"--init {args.init!r} is a {prior.name} router, but a warm start needs the same type as "
                          f"{args.router!r}; train {prior.name} instead (e.g. routellm train {prior.name} ... --init {args.init}).")
    return prior


def _load_teacher(args: argparse.Namespace, router: Any) -> Any:
    """The router ``--teacher`` names (checked before any data is read), or None."""
    if args.teacher is None:
        return None
    if "teacher_weight" not in router.get_params():
        raise ConfigError(f"--teacher works with pooled_ridge (distilled targets), not {args.router!r}; drop it.")
    if router.teacher_weight == 0:
        raise ConfigError("--teacher needs --opt teacher_weight=W (the teacher's share of each target, e.g. 0.7).")
    from routellm_core.loading.loader import load_router

    return load_router(args.teacher)


def _make_router(args: argparse.Namespace, cls: type) -> Any:
    """The untrained router of ``routellm train`` from its options (checked before any data is read)."""
    params: dict[str, Any] = {"seed": args.seed}
    if not cls.model_agnostic:
        params.update(strong_model=args.strong, weak_model=args.weak)
    if args.embedder:
        params["embedder"] = args.embedder
    params.update(parse_key_values(args.opt or [], "--opt", "batch_size=128"))
    for name in ("epochs", "dim", "hidden", "lr"):
        if getattr(args, name, None) is not None:
            params[name] = getattr(args, name)
    params.update(_blend_members(args, cls))
    try:
        return cls(**params)
    except TypeError as exc:
        raise ConfigError(f"bad option for router {args.router!r}: {exc}") from None


def _blend_members(args: argparse.Namespace, cls: type) -> dict[str, Any]:
    """``members`` (and ``weights``, the pair) of ``routellm train blend`` from ``--member`` /
    ``--member-weight``, each member loaded with ``load_router``; {} for other routers."""
    members, weights = args.member or [], args.member_weight
    if cls.name != "blend":
        if members or weights:
            raise ConfigError(
                f"--member and --member-weight are options of `routellm train blend`, not of {args.router!r}; "
                "drop them, or train a blend: routellm train blend --member default --member ./my-bert ..."
            )
        return {}
    if len(members) < 2:
        raise ConfigError(
            f"routellm train blend needs at least 2 trained members, got {len(members)}; give each with "
            "--member, e.g. --member default --member ./my-bert."
        )
    if weights is not None and any(o.startswith("weights=") for o in args.opt or []):
        raise ConfigError("give the blend's weights once: --member-weight W per member, or --opt weights=[...].")
    if weights is not None and len(weights) != len(members):
        raise ConfigError(
            f"{len(weights)} --member-weight for {len(members)} --member; give one weight per member, in order."
        )
    from routellm_core.loading.loader import load_router

    out: dict[str, Any] = {"members": [load_router(spec) for spec in members]}
    if weights is not None:
        out["weights"] = weights
    if args.strong or args.weak:
        out.update(strong_model=args.strong, weak_model=args.weak)
    return out
