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
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from matcher.cache import Artifact, CacheError, Inputs, cached, is_fresh, workdir_from
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
from matcher.firms.master import MASTER_DATA, MASTER_FOLDERS, build_firm_master
from matcher.firms.schema import validate_firms
from matcher.model.match import CityInputs, city_inputs, city_units_for, score_matches
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
from matcher.regions.units import resolve_city
from matcher.sources.base import SourceError, data_dir_from
from matcher.sources.verify import verify_data

USER_FILES_RECORD = "user_files.json"
#: the workbench's outcome file in the work directory (schema: matcher/workbench/outcomes.py)
OUTCOMES_FILE = "outcomes.parquet"
OUTCOME_COLUMNS = ("lead_id", "firm_id", "city_code", "county_code", "stage", "stage_date")
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


def read_outcome_file(path: Path) -> pd.DataFrame | None:
    """The columns the ranking needs from the workbench's outcome file, by its documented schema (the file is
    written by the workbench; this reader depends on pandas only); None when there is no file."""
    if not Path(path).is_file():
        return None
    try:
        o = pd.read_parquet(path, columns=list(OUTCOME_COLUMNS))
    except (OSError, ValueError, KeyError) as exc:
        raise CacheError(f"{path} cannot be read as the workbench's outcomes ({type(exc).__name__}: {exc})") from None
    return o.assign(stage_date=pd.to_datetime(o["stage_date"], errors="coerce"),
                    firm_id=o["firm_id"].astype("string"), city_code=o["city_code"].astype("string"),
                    county_code=o["county_code"].astype("string"))


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
        return Inputs(raw=raw_files(self.data_dir, MASTER_FOLDERS) + user, data=MASTER_DATA,
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
    def _registry_inputs(self) -> Inputs:
        from matcher.firms.registry_links import LINK_THRESHOLD
        from matcher.regions.registry_evidence import REGISTRY_FOLDERS

        _ = self.firm_master
        return Inputs(raw=raw_files(self.data_dir, REGISTRY_FOLDERS), data=("chains", "labels/registry_industry.csv"),
                      code=("matcher.regions.registry_evidence",), params={"threshold": LINK_THRESHOLD},
                      upstream=(self._fps["firms"],))

    @cached_property
    def registry(self) -> Artifact:
        """Frames ``registry``, ``registry_links``, ``registry_profiles``, ``registry_segments``,
        ``local_presence``, ``expansion_events``, ``registry_quarantine`` and the ``registry_report``
        document (:func:`matcher.regions.registry_evidence.build_registry_evidence`)."""
        from matcher import resources
        from matcher.firms.registry_links import LINK_THRESHOLD
        from matcher.regions.registry_evidence import build_registry_evidence, labelled_rows

        firm_art = self.firm_master
        inputs = self._registry_inputs()

        def build() -> Artifact:
            self.log("building the registry evidence (3 million registrations; a few minutes)")
            labels = pd.read_csv(resources.data_path("labels/registry_industry.csv"), dtype=str, keep_default_na=False)
            frames, report = build_registry_evidence(self.data_dir, firm_art.frames["firms"], firm_art.frames["address_rules"],
                                                     self.templates, labelled_rows(labels), LINK_THRESHOLD)
            return Artifact(frames, {"registry_report": report})

        return self._cached("registry", inputs, build)

    def has_registry(self) -> bool:
        """Is the registry stage built and fresh in the work directory (without reading it)? ``matcher build
        --no-registry`` leaves it out; the ranking then falls back to the relocation weights."""
        fp = self._registry_inputs().fingerprint()
        if not self.force and is_fresh(self.workdir, "registry", fp):
            self._fps["registry"] = fp
            return True
        return "registry" in self._fps

    def registry_fingerprint(self) -> str:
        """The registry stage's fingerprint, building the stage only when it is not fresh."""
        if not self.has_registry():
            _ = self.registry
        return self._fps["registry"]

    @cached_property
    def expansion_inputs(self) -> dict[str, pd.DataFrame]:
        """``expansion_entities``, ``registration_counts`` and ``curated_entities`` (:mod:`matcher.regions.investors`),
        derived once from the registry stage and the cited link table: the history the expansion models read."""
        from matcher import resources
        from matcher.firms.registry_links import LINK_THRESHOLD
        from matcher.regions import investors as I

        fp = self.registry_fingerprint()
        inputs = Inputs(data=(I.INVESTOR_LINKS,), code=("matcher.regions.investors",), params={"threshold": LINK_THRESHOLD},
                        upstream=(fp, self._fps["firms"]))

        def build() -> Artifact:
            fr = self.registry.frames
            table = pd.read_csv(resources.data_path(I.INVESTOR_LINKS), dtype=str, keep_default_na=False)
            return Artifact({"expansion_entities": I.linked_entities(fr["registry_links"], fr["registry"], LINK_THRESHOLD),
                             "registration_counts": I.registration_counts(fr["registry"]),
                             "curated_entities": I.curated_entities(table, fr["registry"], self.firms)})

        return self._cached("expansion_inputs", inputs, build).frames

    def expansion_data(self) -> Any:
        """:class:`matcher.model.expansion.ExpansionData` of the registry history and the firm master."""
        from matcher.chain.taxonomy import load_crosswalk
        from matcher.model.expansion import ExpansionData, expansion_firms

        e = self.expansion_inputs
        return ExpansionData(e["expansion_entities"], e["registration_counts"], expansion_firms(self.firms, load_crosswalk()))

    def expansion_geography(self) -> Any:
        """Prefecture cities and county-level units (:func:`matcher.model.expansion.geography`)."""
        from matcher import geo
        from matcher.model.expansion import geography

        d = geo.load_divisions(self.data_dir)
        d = d[~d["province_code"].isin(["710000", "810000", "820000"])]
        return geography(d, geo.prefecture_points(geo.county_points(self.data_dir)))

    def absent_province_years(self) -> pd.DataFrame:
        """year, province_code of the registry sample's absent files."""
        from matcher import geo
        from matcher.sources.registry_coverage import load_absent_files

        d = geo.load_divisions(self.data_dir).drop_duplicates("province_code")
        ab = load_absent_files(self.data_dir)
        return ab.assign(province_code=ab["province"].map(d.set_index("province_short")["province_code"]).astype("string"))

    def national_exclusions(self) -> set[str]:
        """firm_ids that a national eligibility rule leaves out (no city pack)."""
        return set(self._eligibility(None, "national")["firm_id"].astype(str))

    @cached_property
    def expansion_model(self) -> Any:
        """The expansion models the map uses (:func:`matcher.model.expansion_tasks.fit_production`), cached."""
        from matcher.model import expansion_tasks as T

        _ = self.expansion_inputs, self.chain_positions
        inputs = Inputs(raw=raw_files(self.data_dir, ("registry_sample_2019",)), code=("matcher.model.expansion_tasks",),
                        upstream=(self._fps["expansion_inputs"], self._fps["firms"], self._fps["chain_positions"]))

        def build() -> Artifact:
            self.log("fitting the expansion models")
            fitted = T.fit_production(self.expansion_data(), self.expansion_geography(), self.absent_province_years(),
                                      self.national_exclusions())
            return Artifact({}, {"expansion_model": T.fitted_to_dict(fitted)})

        return T.fitted_from_dict(self._cached("expansion_model", inputs, build).docs["expansion_model"])

    # ------------------------------------------------------------------------------------------
    # the city's own outcomes (issue 17): read by the documented schema, never through the workbench
    def outcomes_file(self) -> Path:
        return self.workdir / OUTCOMES_FILE

    def outcomes(self) -> pd.DataFrame | None:
        """The city's signed and landed leads (``WORKDIR/outcomes.parquet``, schema in
        ``matcher/workbench/outcomes.py``): lead_id, firm_id, city_code, county_code, stage, stage_date; None
        when there is no file."""
        return read_outcome_file(self.outcomes_file())

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
        """The city's inputs to the ranking; with the registry built, the learned expansion scores and the
        existing investors too (without it the ranking keeps the relocation weights: ``matcher build --no-registry``)."""
        inputs = city_inputs(city, self.data_dir, self.pack(city), self.chain_positions, self.templates)
        if not self.has_registry():
            self.log("registry stage not built: ranking without the learned expansion models")
            return inputs
        return replace(inputs, expansion=self.city_expansion(city), investors=self.existing_investors(city))

    def city_matches(self, city: str, firms: pd.DataFrame | None = None, *, key: str = "", **params: Any) -> pd.DataFrame:
        """The long firm × county frame of :func:`matcher.model.match.score_matches` for ``city``, cached per
        city (``firms`` defaults to the master; ``key`` and ``params`` name a different firm set, e.g. a
        snapshot, so it is cached apart)."""
        inputs_ = self.city_inputs(city)
        scored = self.firms if firms is None else firms
        name = f"matches_{inputs_.city_code}" + (f"_{key}" if key else "")
        learned = (self._fps[f"expansion_{inputs_.city_code}"],) if inputs_.expansion is not None else ()
        inputs = Inputs(data=("chains", *self._pack_data(city)), code=("matcher.model.match",),
                        params={"city": inputs_.city_code, "learned": bool(learned), **params},
                        upstream=(self._fps["firms"], self._fps["chain_positions"], *learned))
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
        return self._eligibility(self.pack(city), self.city_code(city), self._pack_data(city))

    def _eligibility(self, pack: CityPack | None, key: str, pack_data: tuple[str, ...] = ()) -> pd.DataFrame:
        from matcher.model.eligibility import RULES_FILE, evaluate, load_rules, rules_for_pack

        chosen = self.chain_positions["chain_positions"]
        placed_by = dict(zip(chosen.loc[chosen["best"].astype(bool), "firm_id"].astype(str),
                             chosen.loc[chosen["best"].astype(bool), "evidence"].astype(str), strict=True))
        inputs = Inputs(data=(RULES_FILE, *pack_data), code=("matcher.model.eligibility",),
                        params={"city": key}, upstream=(self._fps["firms"], self._fps["chain_positions"]))
        name = f"eligibility_{key}"
        return self._cached(name, inputs, lambda: Artifact(
            {name: evaluate(self.firms, rules_for_pack(load_rules(), pack), placed_by)})).frames[name]

    def city_code(self, city: str) -> str:
        return resolve_city(city, self.data_dir, self.pack(city))[0]

    # ------------------------------------------------------------------------------------------
    # existing investors and the learned expansion scores of one city
    def city_entities(self, city: str) -> pd.DataFrame:
        """Every entity the evidence places in ``city``: the registry's linked entities, the cited links of
        ``data/investor_links.csv`` and the city's own outcomes (:mod:`matcher.regions.investors`)."""
        from matcher.regions.investors import outcome_entities

        code = self.city_code(city)
        e = self.expansion_inputs
        parts = [e["expansion_entities"], e["curated_entities"], outcome_entities(self.outcomes(), self.firms, code)]
        out = pd.concat([x[x["city_code"] == code] for x in parts if len(x)], ignore_index=True)
        return out.reset_index(drop=True)

    def existing_investors(self, city: str) -> pd.DataFrame:
        """Firms with entities in ``city``, per unit (:func:`matcher.regions.investors.existing_investors`)."""
        from matcher.regions.investors import existing_investors

        units = city_units_for(city, self.data_dir, self.pack(city))
        return existing_investors(self.city_entities(city), units["county_code"].astype(str))

    def city_expansion(self, city: str) -> pd.DataFrame:
        """The learned expansion scores of every firm for ``city`` and its units
        (:func:`matcher.model.expansion_tasks.city_scores`; presence from the cited links and the city's
        outcomes counts), cached per city; the outcome file is a declared input."""
        from matcher.model import expansion_tasks as T
        from matcher.regions.investors import INVESTOR_LINKS, outcome_entities

        fitted = self.expansion_model
        code = self.city_code(city)
        units = city_units_for(city, self.data_dir, self.pack(city))
        outcome_file = (self.outcomes_file(),) if self.outcomes_file().is_file() else ()
        inputs = Inputs(raw=outcome_file, data=(INVESTOR_LINKS, *self._pack_data(city)), code=("matcher.model.expansion_tasks",),
                        params={"city": code}, upstream=(self._fps["expansion_model"], self._fps["expansion_inputs"], self._fps["firms"]))
        name = f"expansion_{code}"

        def build() -> Artifact:
            cur = self.expansion_inputs["curated_entities"]
            extra = pd.concat([cur[cur["city_code"] == code], outcome_entities(self.outcomes(), self.firms, code)], ignore_index=True)
            return Artifact({name: T.city_scores(fitted, self.expansion_data(), self.expansion_geography(), code, units, extra)})

        return self._cached(name, inputs, build).frames[name]

    def fingerprint(self, stage: str) -> str | None:
        return self._fps.get(stage)


__all__ = ["Pipeline", "raw_files", "recorded_user_files"]
