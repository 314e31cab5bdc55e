"""matcher: whom a city should court for investment, and where in the city each should land.

Stages (each a subpackage, imports run one way down this list): ``sources`` (loaders) → ``firms``
(firm master) → ``chain`` (industry-chain graph) → ``regions`` (county profiles) → ``model``
(features, rankers, evaluation, tracking) → ``outputs`` (navigation map, trips). ``pipeline``
orchestrates builds and caches artifacts in a work directory; ``cli`` is a thin shell over all of it.
"""

__version__ = "0.1.0"
