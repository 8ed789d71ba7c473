"""Partitions: one exchange always lands in the same one; one shard keeps the plain names."""

from __future__ import annotations

from pydantic import BaseModel

from shared.streams.names import StreamNames, shard_of
from shared.streams.ownership import candidates, fair_share, lock_key, surplus
from shared.streams.publisher import routed


class Event(BaseModel):
    correlation_id: str


def test_one_shard_keeps_todays_stream_names() -> None:
    names = StreamNames("sc")
    assert names.partitions(names.comments) == ("sc:stream:comments",)
    assert names.route(names.comments, "facebook:1") == "sc:stream:comments"
    assert routed(names, names.comments, Event(correlation_id="x")) == names.comments


def test_an_exchange_keeps_one_partition_on_every_stream_and_a_cluster_slot_tag() -> None:
    names = StreamNames("sc", shards=8)
    shard = shard_of("facebook:1001_42", 8)
    assert shard == shard_of("facebook:1001_42", 8)  # CRC-32: the same in every process
    assert names.route(names.comments, "facebook:1001_42") == f"sc:stream:comments:{{sc-{shard}}}"
    assert names.route(names.actions, "facebook:1001_42").endswith(f":{{sc-{shard}}}")
    assert len(set(names.partitions(names.decisions))) == 8
    assert names.partitions(names.dead_letter) == (names.dead_letter,)
    assert len(names.all_keys()) == 8 * 8 + 1
    spread = {shard_of(f"facebook:{n}", 8) for n in range(200)}
    assert spread == set(range(8))


def test_fair_shares_cover_every_partition_and_surplus_is_given_back() -> None:
    assert fair_share(8, 3) == 3 and fair_share(8, 1) == 8 and fair_share(2, 5) == 1
    assert fair_share(8, 0) == 8
    assert surplus(frozenset({0, 1, 2, 5}), 2) == [5, 2]
    assert surplus(frozenset({0, 1}), 3) == []
    assert candidates(frozenset({1, 2}), 4, start=2) == [3, 0]


def test_lock_ids_are_signed_32_bit_and_differ_per_service() -> None:
    keys = {lock_key(prefix, service) for prefix in ("sc", "t1") for service in ("a", "b")}
    assert len(keys) == 4
    assert all(-(1 << 31) <= key < 1 << 31 for key in keys)
