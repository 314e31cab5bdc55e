"""Packages of matcher. Metadata is in pyproject.toml; this file only maps two repository folders into the
package — ``data/`` as ``matcher.data`` (curated data) and ``benchmarks/results/`` as ``matcher.results``
(the measured figures the navigation map quotes) — read through importlib.resources (see
matcher/resources.py), which setuptools' automatic discovery cannot express."""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["matcher", "matcher.*"]), "matcher.data", "matcher.results"],
    package_dir={"matcher.data": "data", "matcher.results": "benchmarks/results"},
)
