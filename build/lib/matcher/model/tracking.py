"""MLflow tracking with a SQLite store in the work directory (the folder store is deprecated in MLflow 3).

- store: ``sqlite:///<workdir>/mlflow.db``; artifacts under ``<workdir>/mlartifacts``.
- one experiment per task (e.g. ``entry``); params = settings and data hashes; metrics flattened
  as ``<window>.<ranker>.<metric>``; artifacts = result tables and curves.
- the chosen model is logged with the sklearn flavour, registered, and given an alias
  (``champion``); :func:`load_registered` loads it back by alias.

Every function takes the work directory (or a tracking URI) explicitly and restores MLflow's global
tracking URI afterwards, so tests can use a temporary store.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

DEFAULT_ALIAS = "champion"


def tracking_uri(workdir: Path) -> str:
    """The SQLite tracking URI of a work directory."""
    return f"sqlite:///{(Path(workdir).resolve() / 'mlflow.db').as_posix()}"


@contextlib.contextmanager
def _using(workdir: Path) -> Iterator[Any]:
    import mlflow

    previous = mlflow.get_tracking_uri() if mlflow.is_tracking_uri_set() else None
    previous_registry = mlflow.get_registry_uri() if mlflow.is_tracking_uri_set() else None
    uri = tracking_uri(workdir)
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    try:
        yield mlflow
    finally:
        if previous is not None:
            mlflow.set_tracking_uri(previous)
            mlflow.set_registry_uri(previous_registry or previous)


def ensure_experiment(workdir: Path, name: str) -> str:
    """The id of experiment ``name`` in the work directory's store (created with artifacts in the workdir)."""
    from mlflow.tracking import MlflowClient

    with _using(workdir):
        client = MlflowClient()
        exp = client.get_experiment_by_name(name)
        if exp is not None:
            return str(exp.experiment_id)
        artifacts = (Path(workdir).resolve() / "mlartifacts" / name).as_uri()
        return str(client.create_experiment(name, artifact_location=artifacts))


def frame_hash(frame: pd.DataFrame) -> str:
    """A short content hash of a frame (row order and values), for run parameters."""
    h = hashlib.sha256(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return h.hexdigest()[:16]


def flatten_metrics(results: Mapping[str, Mapping[str, Any]]) -> dict[str, float]:
    """``{window: evaluate_rankers output}`` → ``{"window.ranker.metric": value}`` (finite scalars only)."""
    out: dict[str, float] = {}
    for wname, res in results.items():
        for section in ("rankers", "pairs"):
            for name, metrics in res.get(section, {}).items():
                for metric, value in metrics.items():
                    if isinstance(value, list):
                        for bound, v in zip(("lo", "hi"), value, strict=True):
                            if math.isfinite(v):
                                out[f"{wname}.{name}.{metric}_{bound}"] = float(v)
                    elif isinstance(value, (int, float)) and math.isfinite(value):
                        out[f"{wname}.{name}.{metric}"] = float(value)
    return out


def log_run(
    workdir: Path,
    experiment: str,
    run_name: str,
    *,
    params: Mapping[str, Any],
    metrics: Mapping[str, float],
    artifacts: list[Path] = (),  # type: ignore[assignment]
    model: Any = None,
    model_name: str | None = None,
    alias: str = DEFAULT_ALIAS,
    tags: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Log one run; when ``model`` is given, log it (sklearn flavour), register it as ``model_name``
    and point ``alias`` at the new version. Returns {run_id, experiment_id, model_version}."""
    exp_id = ensure_experiment(workdir, experiment)
    version = None
    with _using(workdir) as mlflow:
        with mlflow.start_run(experiment_id=exp_id, run_name=run_name, tags=dict(tags or {})) as run:
            mlflow.log_params({k: str(v)[:500] for k, v in params.items()})
            mlflow.log_metrics(dict(metrics))
            for path in artifacts:
                mlflow.log_artifact(str(path))
            if model is not None:
                import mlflow.sklearn

                info = mlflow.sklearn.log_model(
                    model,
                    name="model",
                    serialization_format="cloudpickle",
                    registered_model_name=model_name,
                    pip_requirements=["scikit-learn", "pandas", "numpy"],
                    await_registration_for=0,
                )
                version = getattr(info, "registered_model_version", None)
                if model_name is not None and version is not None:
                    from mlflow.tracking import MlflowClient

                    MlflowClient().set_registered_model_alias(model_name, alias, str(version))
            run_id = run.info.run_id
    return {"run_id": run_id, "experiment_id": exp_id, "model_version": version}


def read_runs(workdir: Path, experiment: str) -> pd.DataFrame:
    """Runs of an experiment read back from the SQLite store (params, metrics, tags as columns)."""
    with _using(workdir) as mlflow:
        return mlflow.search_runs(experiment_names=[experiment], order_by=["attributes.start_time DESC"])


def load_registered(workdir: Path, model_name: str, alias: str = DEFAULT_ALIAS) -> Any:
    """Load a registered model by alias (the fitted ranker object)."""
    with _using(workdir) as mlflow:
        import mlflow.sklearn

        return mlflow.sklearn.load_model(f"models:/{model_name}@{alias}")
