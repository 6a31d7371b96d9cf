"""Model mode (design.md §10): train a small network with real optimizers and schedulers, see its landscape.

The public face: the rest of the app imports from here, so the modules inside can move.
"""

from app.engine.train.datasets import DATASETS, Dataset, list_datasets, load_dataset
from app.engine.train.loop import (
    EpochEnded,
    LandscapeReady,
    PreparedTraining,
    TrainingEvent,
    TrainingRunEnded,
    TrainingStarted,
    collect_training,
    iterate_training,
    prepare_training,
    run_training,
)
from app.engine.train.spec import LandscapeSpec, LRFinderSpec, TrainingRunSpec, TrainingSpec, TrainingSweepSpec

__all__ = [
    "DATASETS",
    "Dataset",
    "EpochEnded",
    "LRFinderSpec",
    "LandscapeReady",
    "LandscapeSpec",
    "PreparedTraining",
    "TrainingEvent",
    "TrainingRunEnded",
    "TrainingRunSpec",
    "TrainingSpec",
    "TrainingStarted",
    "TrainingSweepSpec",
    "collect_training",
    "iterate_training",
    "list_datasets",
    "load_dataset",
    "prepare_training",
    "run_training",
]
