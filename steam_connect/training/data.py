"""Dataset registry: where each labelled file lives, its licence, and whether it may train a model.

The files are read in place from the shared datasets folder and never copied into the repository.
"""

from __future__ import annotations

import json
import os
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEV_PERCENT = 20
DATASETS_ENV = "STEAM_CONNECT_DATASETS"
BRANDPAGE_DIR = Path(__file__).resolve().parent / "brandpage"
BRANDPAGE_TRAIN = "brandpage_train"
BRANDPAGE_EVAL = "brandpage_eval"


@dataclass(frozen=True)
class Dataset:
    """One labelled file and the terms under which we may use it."""

    name: str
    path: str
    lang: str
    licence: str
    attribution: str
    may_train: bool
    own: bool = False
    """Written by this project: lives in `brandpage/` beside this module, not in ../shared."""


DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in (
        Dataset(
            "germeval2018",
            "germeval2018/train.jsonl",
            "de",
            "CC-BY-4.0",
            "GermEval 2018 Shared Task on the Identification of Offensive Language, "
            "Wiegand, Siegel & Ruppenhofer; uds-lsv/GermEval-2018-Data @ 9877472d",
            True,
        ),
        Dataset(
            "davidson2017",
            "davidson2017/train.jsonl",
            "en",
            "MIT",
            "Davidson, Warmsley, Macy & Weber 2017, Automated Hate Speech Detection and the "
            "Problem of Offensive Language; "
            "t-davidson/hate-speech-and-offensive-language @ cb50f7e9",
            True,
        ),
        Dataset(
            "youtube_spam",
            "youtube_spam/train.jsonl",
            "en",
            "CC-BY-4.0",
            "Alberto, Lochter & Almeida 2015, TubeSpam (UCI YouTube Spam Collection); mirror "
            "C0D3-BR3AK3R/HadoopFinalNCU-Project @ c1c94906",
            True,
        ),
        Dataset(
            "cesamard",
            "cesamard/reviews.jsonl",
            "en",
            "MIT",
            "CESAMARD complaint corpus (Singh et al., ECIR 2023); "
            "appy1608/ECIR2023_Complaint-Detection @ 3908143a",
            True,
        ),
        Dataset(
            "olid",
            "olid/train.jsonl",
            "en",
            "none stated",
            "OLID / OffensEval 2019 (Zampieri et al.); idontflow/OLID @ 66fa62b2",
            False,
        ),
        Dataset(
            "hasoc2019_en",
            "hasoc2019/en_train.jsonl",
            "en",
            "none stated",
            "HASOC 2019 (Mandl et al.); TharinduDR/HASOC-2019 @ 669f3c6d",
            False,
        ),
        Dataset(
            "hasoc2019_de",
            "hasoc2019/de_train.jsonl",
            "de",
            "none stated",
            "HASOC 2019 (Mandl et al.); TharinduDR/HASOC-2019 @ 669f3c6d",
            False,
        ),
        Dataset(
            "complaints2019",
            "complaints2019/train.jsonl",
            "en",
            "none stated",
            "Preotiuc-Pietro, Gaman & Aletras 2019; "
            "danielpreotiuc/complaints-social-media @ 54e3402c",
            False,
        ),
        Dataset(
            "germeval2025_violence",
            "germeval2025_violence/train.jsonl",
            "de",
            "GPL-3.0",
            "GermEval 2025 harmful content, violence detection; "
            "Communication-Forensics-Lab/harmful-content-detection @ 807e1bf2",
            False,
        ),
        Dataset(
            "gahd",
            "gahd/train.jsonl",
            "de",
            "CC-BY-4.0",
            "GAHD, German Adversarial Hate Speech Dataset (Goldzycher et al. 2024); "
            "jagol/gahd @ 2a4e919d",
            True,
        ),
        Dataset(
            "implicit_hate",
            "implicit_hate/train.jsonl",
            "en",
            "CC-BY-4.0",
            "Implicit Hate Corpus (ElSherief et al. 2021); copy in "
            "liuchaoqun/hate-speech-datasets @ 98f3ee81",
            True,
        ),
        Dataset(
            "fox_news",
            "fox_news/train.jsonl",
            "en",
            "MIT",
            "Fox News user comments (Gao & Huang 2017); sjtuprog/fox-news-comments @ 914b6bcd",
            True,
        ),
        Dataset(
            "mlma",
            "mlma/train.jsonl",
            "en",
            "MIT",
            "MLMA hate speech (Ousidhoum et al. 2019); HKUST-KnowComp/MLMA_hate_speech @ 47983698",
            True,
        ),
        Dataset(
            "isarcasmeval",
            "isarcasmeval/train.jsonl",
            "en",
            "MIT",
            "iSarcasmEval 2022 task A (Abu Farha et al.); iabufarha/iSarcasmEval @ dfc708b5",
            True,
        ),
        Dataset(
            "germeval2021",
            "germeval2021/train.jsonl",
            "de",
            "none stated",
            "GermEval 2021 toxic comments (Risch et al.); germeval2021toxic/SharedTask @ fa5dca39",
            False,
        ),
        Dataset(
            "ethos",
            "ethos/train.jsonl",
            "en",
            "GPL-3.0",
            "ETHOS (Mollas et al.); intelligence-csd-auth-gr/Ethos-Hate-Speech-Dataset @ 705258e1",
            False,
        ),
        Dataset(
            "gab_hate_corpus",
            "gab_hate_corpus/all.jsonl",
            "en",
            "not verified",
            "Gab Hate Corpus (Kennedy et al.); copy in liuchaoqun/hate-speech-datasets @ 98f3ee81",
            False,
        ),
        Dataset(
            "elf_troll",
            "elf_troll/all.jsonl",
            "en",
            "CC-BY-NC-SA-4.0",
            "ELF trolls; huijelee/ELF-HumanPreference @ 211a5c96",
            False,
        ),
        Dataset(
            "german_ytbot",
            "german_ytbot/all.jsonl",
            "de",
            "none stated",
            "German YouTube bot comments; CreepyNiki/youtube-bot-comment-detection @ d0b45ab4",
            False,
        ),
        Dataset(
            BRANDPAGE_TRAIN,
            "train.jsonl",
            "de+en",
            "Apache-2.0 (this project)",
            "Steam-Connect brand-page seed set, written and labelled by the project",
            True,
            own=True,
        ),
        Dataset(
            BRANDPAGE_EVAL,
            "eval.jsonl",
            "de+en",
            "Apache-2.0 (this project)",
            "Steam-Connect brand-page evaluation set, written and labelled by the project; "
            "never trains a weight",
            False,
            own=True,
        ),
    )
}


def datasets_root() -> Path:
    """The shared datasets folder: $STEAM_CONNECT_DATASETS, else ../shared/datasets of the repo."""
    configured = os.environ.get(DATASETS_ENV)
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[2].parent / "shared" / "datasets"


def is_dev(row_id: str) -> bool:
    """Stable held-out split by id hash: independent of file order, identical in train and eval."""
    return zlib.crc32(row_id.encode()) % 100 < DEV_PERCENT


def path_of(name: str, root: Path | None = None) -> Path:
    """Where a dataset's file is: the project's own sets beside this module, the rest in shared."""
    ds = DATASETS[name]
    return BRANDPAGE_DIR / ds.path if ds.own else (root or datasets_root()) / ds.path


def load_rows(name: str, root: Path | None = None) -> list[dict[str, Any]]:
    """Read one dataset's JSON lines; fail with the path so a missing mount is obvious."""
    path = path_of(name, root)
    if not path.is_file():
        raise FileNotFoundError(
            f"dataset {name!r} not found at {path}; "
            f"set {DATASETS_ENV} to the shared datasets folder"
        )
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def split(
    rows: list[dict[str, Any]], *, dev: bool, keep: Callable[[dict[str, Any]], bool] | None = None
) -> list[dict[str, Any]]:
    """Rows of the train part (dev=False) or the held-out dev part (dev=True)."""
    return [r for r in rows if is_dev(str(r["id"])) == dev and (keep is None or keep(r))]


def texts(rows: list[dict[str, Any]]) -> list[str]:
    """The text column, as the featuriser wants it."""
    return [str(r["text"]) for r in rows]


def iter_training_sets() -> Iterator[Dataset]:
    """Only the datasets whose licence lets a shipped model be trained on them."""
    return (d for d in DATASETS.values() if d.may_train)


def train_rows(
    name: str, keep: Callable[[dict[str, Any]], bool] | None = None
) -> list[dict[str, Any]]:
    """What a head may learn from: the train part, or all of the project's own seed set.

    The seed set is small and has its own evaluation set (brandpage_eval), so no dev part of it
    is held back.
    """
    rows = load_rows(name)
    if DATASETS[name].own:
        return [r for r in rows if keep is None or keep(r)]
    return split(rows, dev=False, keep=keep)
