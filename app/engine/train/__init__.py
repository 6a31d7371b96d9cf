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
from app.engine.train.lr_finder import collect_lr_finder, iterate_lr_finder, prepare_lr_finder, run_lr_finder
from app.engine.train.spec import LandscapeSpec, LRFinderSpec, TrainingRunSpec, TrainingSpec, TrainingSweepSpec
from app.engine.train.sweeps import (
    collect_training_sweep,
    iterate_training_sweep,
    prepare_training_sweep,
    run_training_sweep,
)

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
    "collect_lr_finder",
    "collect_training",
    "collect_training_sweep",
    "iterate_lr_finder",
    "iterate_training",
    "iterate_training_sweep",
    "list_datasets",
    "load_dataset",
    "prepare_lr_finder",
    "prepare_training",
    "prepare_training_sweep",
    "run_lr_finder",
    "run_training",
    "run_training_sweep",
]
