"""Orchestration, the top floor: the one place that reads and writes the work-directory cache and calls
the stages in order, with one set of inputs (data directory, user files, work directory) decided once.

Stages are functions of the frames and graphs they are given (:mod:`matcher.firms`, :mod:`matcher.chain`,
:mod:`matcher.regions`, :mod:`matcher.model`, :mod:`matcher.outputs`); each artifact here declares
everything it is built from (:class:`matcher.cache.Inputs`: raw folders, shipped data files, code
modules with their imports, parameters, upstream fingerprints), so editing any of them rebuilds it.

User files (little-giant lists, registry exports) given to ``matcher build`` are recorded in the work
directory (``user_files.json``); later commands of the same work directory use the recorded set, so a
command that does not repeat them never rebuilds the firm master without them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from matcher.cache import Artifact, CacheError, Inputs, cached, workdir_from
from matcher.chain import (
    CHAIN_DATA,
    CHAIN_FOLDERS,
    ChainData,
    ChainTemplate,
    analyze_region,
    build_tables,
    chain_inputs,
    load_chain_templates,
)
from matcher.chain import clean as chain_clean
from matcher.chain.graph import PLACEHOLDER_EFFECTIVE
from matcher.firms.master import MASTER_FOLDERS, build_firm_master
from matcher.firms.schema import validate_firms
from matcher.model.match import CityInputs, city_inputs, score_matches
from matcher.regions import (
    CountyProfiles,
    city_units,
    county_profiles,
    flatten_templates,
    load_city_pack,
    national_profiles,
)
from matcher.regions.build import profile_params
from matcher.regions.pack import CityPack, find_pack_file
from matcher.sources.base import SourceError, data_dir_from
from matcher.sources.verify import verify_data

USER_FILES_RECORD = "user_files.json"
USER_FILE_KINDS = ("little_giants", "registry")


def _noop(_msg: str) -> None:
    return None


def raw_files(data_dir: Path, folders: Iterable[str]) -> tuple[Path, ...]:
    """Every file under the named raw-data folders (missing folders contribute nothing: the loaders say so)."""
    out: list[Path] = []
    for folder in folders:
        d = Path(data_dir) / folder
        if d.is_dir():
            out += [p for p in sorted(d.rglob("*")) if p.is_file()]
    return tuple(out)


def _check_user_files(files: Sequence[tuple[str, Path]]) -> tuple[tuple[str, Path], ...]:
    out = []
    for kind, path in files:
        if kind not in USER_FILE_KINDS:
            raise ValueError(f"user file {path}: kind {kind!r} is not one of {', '.join(USER_FILE_KINDS)}")
        p = Path(path).expanduser()
        if not p.is_file():
            raise SourceError(p, "file is missing (give the path of an existing file)")
        out.append((kind, p.resolve()))
    return tuple(out)


def preflight_user_files(files: Sequence[tuple[str, Path]]) -> None:
    """Read each user file once before any stage runs, so that a file that cannot be used at all
    (wrong encoding, no header, a required column missing) is reported in a second, not after every
    source has loaded. Row-level problems are not errors: those rows go to the quarantine."""
    from matcher.firms.master import load_user_file

    for kind, path in files:
        load_user_file(kind, path)


def recorded_user_files(workdir: Path) -> tuple[tuple[str, Path], ...]:
    """The user files recorded in the work directory by the last build that was given some."""
    p = Path(workdir) / USER_FILES_RECORD
    if not p.is_file():
        return ()
    try:
        items = json.loads(p.read_text(encoding="utf-8"))
        return tuple((str(k), Path(v)) for k, v in items)
    except (OSError, ValueError, TypeError) as exc:
        raise CacheError(f"{p} is unreadable ({type(exc).__name__}); delete it and pass the user files again") from None


def _record_user_files(workdir: Path, files: Sequence[tuple[str, Path]]) -> None:
    p = Path(workdir) / USER_FILES_RECORD
    tmp = p.with_suffix(".tmp")
    tmp.write_text(json.dumps([[k, str(v)] for k, v in files], ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, p)


@dataclass
class Pipeline:
    """One build context. ``user_files=None`` means: the files recorded in the work directory (none at
    first); an explicit sequence (possibly empty, e.g. ``matcher build --no-user-files``) replaces the
    record. Each stage's result is computed (or read from the cache) once per Pipeline object."""

    data_dir: Path
    workdir: Path
    user_files: tuple[tuple[str, Path], ...] = ()
    force: bool = False
    log: Callable[[str], None] = _noop
    _fps: dict[str, str] = field(default_factory=dict, repr=False)

    @classmethod
    def open(cls, data_dir: str | Path | None = None, workdir: str | Path | None = None, *,
             user_files: Sequence[tuple[str, str | Path]] | None = None, force: bool = False,
             log: Callable[[str], None] = _noop, accept_altered: bool = False) -> Pipeline:
        """Open a build context: user files must exist; every raw file is verified against the data
        manifest (:func:`matcher.sources.verify.verify_data`: refused when altered unless ``accept_altered``)."""
        dd = data_dir_from(data_dir)
        wd = workdir_from(workdir)
        if user_files is None:
            files = _check_user_files(recorded_user_files(wd))
        else:
            files = _check_user_files([(k, Path(p)) for k, p in user_files])
        verify_data(dd, wd, accept_altered=accept_altered, log=log)
        if user_files is not None and files != recorded_user_files(wd):
            _record_user_files(wd, files)
        return cls(dd, wd, files, force, log)

    # ------------------------------------------------------------------------------------------
    def _cached(self, name: str, inputs: Inputs, build: Callable[[], Artifact]) -> Artifact:
        art, fp = cached(self.workdir, name, inputs, build, force=self.force, log=self.log)
        self._fps[name] = fp
        return art

    def firm_inputs(self) -> Inputs:
        """What the firm master is built from: its raw folders and the user files, the zone table, the code
        of the firm, geo and source stages, the user files' kinds."""
        user = tuple(p for _, p in self.user_files)
        return Inputs(raw=raw_files(self.data_dir, MASTER_FOLDERS) + user, data=("zone_host_counties.csv", "unicorn_names.csv"),
                      code=("matcher.firms.master", "matcher.geo", "matcher.sources"),
                      params={"user_files": [(k, str(p)) for k, p in self.user_files]})

    @cached_property
    def firm_master(self) -> Artifact:
        """``firms``, ``quarantine``, ``address_rules`` frames and the ``firms_report`` document."""
        inputs = self.firm_inputs()

        def build() -> Artifact:
            self.log("building the firm master")
            preflight_user_files(self.user_files)  # a bad user file fails in a second, before the sources load
            m = build_firm_master(self.data_dir, self.user_files)
            return Artifact({"firms": m.firms, "quarantine": m.quarantine, "address_rules": m.address_rules},
                            {"firms_report": m.report})

        return self._cached("firms", inputs, build)

    @cached_property
    def firms(self) -> pd.DataFrame:
        """The firm master, checked against its schema (also when read back from the cache)."""
        return validate_firms(self.firm_master.frames["firms"], f"{self.workdir / 'firms.parquet'}")

    @cached_property
    def chain(self) -> ChainData:
        firms = self.firms
        inputs = Inputs(raw=raw_files(self.data_dir, CHAIN_FOLDERS), data=CHAIN_DATA, code=("matcher.chain.graph", "matcher.sources"),
                        params={"rule": chain_clean.DEFAULT_RULE, "placeholder": PLACEHOLDER_EFFECTIVE},
                        upstream=(self._fps["firms"],))

        def build() -> Artifact:
            self.log("building the chain graph")
            return Artifact(build_tables(self.data_dir, firms))

        return ChainData.from_frames(self._cached("chain", inputs, build).frames)

    @cached_property
    def templates(self) -> list[ChainTemplate]:
        return load_chain_templates()

    @cached_property
    def chain_positions(self) -> dict[str, pd.DataFrame]:
        """``chain_candidates`` (every position with its evidence), ``chain_positions`` (the accepted ones),
        ``chain_template_industries``, ``chain_edges`` (:func:`matcher.chain.chain_inputs`)."""
        chain = self.chain
        inputs = Inputs(data=("chains",), code=("matcher.chain.positions",),
                        upstream=(self._fps["firms"], self._fps["chain"]))
        return self._cached("chain_positions", inputs,
                            lambda: Artifact(chain_inputs(self.firms, chain, self.templates))).frames

    @cached_property
    def national_profiles(self) -> dict[str, pd.DataFrame]:
        firms = self.firms
        inputs = Inputs(code=("matcher.regions.build",), params=profile_params(), upstream=(self._fps["firms"],),
                        raw=raw_files(self.data_dir, ("chainkg_liuhuanyong",)))

        def build() -> Artifact:
            from matcher.sources.chainkg import load_industry

            names = load_industry(self.data_dir).frame.set_index("sw_code")["name_clean"]
            return Artifact(national_profiles(firms, names, profile_params()))

        return self._cached("regions", inputs, build).frames

    # ------------------------------------------------------------------------------------------
    # registry evidence (issue 15): registrations placed, classified, linked; profiles, presence, events
    @cached_property
    def registry(self) -> Artifact:
        """Frames ``registry``, ``registry_links``, ``registry_profiles``, ``registry_segments``,
        ``local_presence``, ``expansion_events``, ``registry_quarantine`` and the ``registry_report``
        document (:func:`matcher.regions.registry_evidence.build_registry_evidence`)."""
        from matcher import resources
        from matcher.firms.registry_links import LINK_THRESHOLD
        from matcher.regions.registry_evidence import REGISTRY_FOLDERS, build_registry_evidence, labelled_rows

        firm_art = self.firm_master
        inputs = Inputs(raw=raw_files(self.data_dir, REGISTRY_FOLDERS), data=("chains", "labels/registry_industry.csv"),
                        code=("matcher.regions.registry_evidence",), params={"threshold": LINK_THRESHOLD},
                        upstream=(self._fps["firms"],))

        def build() -> Artifact:
            self.log("building the registry evidence (3 million registrations; a few minutes)")
            labels = pd.read_csv(resources.data_path("labels/registry_industry.csv"), dtype=str, keep_default_na=False)
            frames, report = build_registry_evidence(self.data_dir, firm_art.frames["firms"], firm_art.frames["address_rules"],
                                                     self.templates, labelled_rows(labels), LINK_THRESHOLD)
            return Artifact(frames, {"registry_report": report})

        return self._cached("registry", inputs, build)

    def build_all(self, registry: bool = True) -> dict[str, Any]:
        """Every city-independent stage, in order (the registry stage unless ``registry`` is False);
        returns the firm report."""
        for stage in ("firm_master", "chain", "chain_positions", "national_profiles"):
            getattr(self, stage)
        if registry:
            _ = self.registry
        return dict(self.firm_master.docs.get("firms_report", {}))

    # ------------------------------------------------------------------------------------------
    # one city
    def pack(self, city: str) -> CityPack | None:
        return load_city_pack(city)

    def _pack_data(self, city: str) -> tuple[str, ...]:
        f = find_pack_file(city)
        return (f"cities/{f.name}",) if f is not None and f.parent.name == "cities" else ()

    def county_profiles(self, city: str) -> CountyProfiles:
        pack = self.pack(city)
        units = city_units(city, self.data_dir, pack, use_pack=pack is not None)
        return county_profiles(city, self.firms, self.national_profiles, units, pack, self.data_dir,
                               flatten_templates(self.templates), profile_params())

    def city_inputs(self, city: str) -> CityInputs:
        return city_inputs(city, self.data_dir, self.pack(city), self.chain_positions, self.templates)

    def city_matches(self, city: str, firms: pd.DataFrame | None = None, *, key: str = "", **params: Any) -> pd.DataFrame:
        """The long firm × county frame of :func:`matcher.model.match.score_matches` for ``city``, cached per
        city (``firms`` defaults to the master; ``key`` and ``params`` name a different firm set, e.g. a
        snapshot, so it is cached apart)."""
        inputs_ = self.city_inputs(city)
        scored = self.firms if firms is None else firms
        name = f"matches_{inputs_.city_code}" + (f"_{key}" if key else "")
        inputs = Inputs(data=("chains", *self._pack_data(city)), code=("matcher.model.match",),
                        params={"city": inputs_.city_code, **params},
                        upstream=(self._fps["firms"], self._fps["chain_positions"]))
        return self._cached(name, inputs, lambda: Artifact({name: score_matches(scored, inputs_)})).frames[name]

    def city_chain_analysis(self, city_code: str, firms: pd.DataFrame | None = None, *, key: str = "") -> pd.DataFrame:
        """The chain analysis of the city (:func:`matcher.chain.analyze_region` at city level), cached (``firms``
        defaults to the master; another set, e.g. a snapshot, needs its own ``key``)."""
        chain = self.chain
        fr = self.firms if firms is None else firms
        name = f"chain_analysis_{city_code}" + (f"_{key}" if key else "")
        positions = self.chain_positions["chain_positions"]
        inputs = Inputs(data=("chains",), code=("matcher.chain.analysis",), params={"city": city_code, "key": key},
                        upstream=(self._fps["firms"], self._fps["chain"], self._fps["chain_positions"]))
        return self._cached(name, inputs, lambda: Artifact(
            {name: analyze_region(fr, [city_code], "city", chain, self.templates, positions)})).frames[name]

    def eligibility(self, city: str) -> pd.DataFrame:
        """The firms an eligibility rule leaves out for ``city`` (:func:`matcher.model.eligibility.evaluate`:
        the national rules of ``data/eligibility.yaml`` with the city pack's overrides), cached per city."""
        from matcher.model.eligibility import RULES_FILE, evaluate, load_rules, rules_for_pack

        pack = self.pack(city)
        chosen = self.chain_positions["chain_positions"]
        placed_by = dict(zip(chosen.loc[chosen["best"].astype(bool), "firm_id"].astype(str),
                             chosen.loc[chosen["best"].astype(bool), "evidence"].astype(str), strict=True))
        code = self.city_inputs(city).city_code
        inputs = Inputs(data=(RULES_FILE, *self._pack_data(city)), code=("matcher.model.eligibility",),
                        params={"city": code}, upstream=(self._fps["firms"], self._fps["chain_positions"]))
        name = f"eligibility_{code}"
        return self._cached(name, inputs, lambda: Artifact(
            {name: evaluate(self.firms, rules_for_pack(load_rules(), pack), placed_by)})).frames[name]

    def fingerprint(self, stage: str) -> str | None:
        return self._fps.get(stage)


__all__ = ["Pipeline", "raw_files", "recorded_user_files"]
