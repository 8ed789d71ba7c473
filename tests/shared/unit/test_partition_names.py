"""Partitions: one exchange always lands in the same one; one shard keeps the plain names except
on a Redis Cluster, where everything a script touches at once shares a slot."""

from __future__ import annotations

from pydantic import BaseModel
from redis.crc import key_slot

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
    dead_letters = names.partitions(names.dead_letter)
    assert dead_letters[shard] == names.partition(names.dead_letter, shard)
    assert len(names.all_keys()) == len(names.all()) * 8
    spread = {shard_of(f"facebook:{n}", 8) for n in range(200)}
    assert spread == set(range(8))


def test_on_a_cluster_each_exchange_keeps_its_keys_in_its_partitions_slot() -> None:
    for shards in (1, 4):
        names = StreamNames("sc", shards=shards, cluster=True)
        thread = "youtube:Ugx42"
        stream = names.route(names.comments, thread)
        slot = key_slot(stream.encode())
        assert stream != names.comments  # tagged even with one shard
        same = [
            names.exchange_key("dedupe:youtube:Ugx42:created", thread),
            names.exchange_key("published:e1", thread),
            names.route(names.timers, thread),
            names.partition(names.dead_letter, shard_of(thread, shards)),
        ]
        assert {key_slot(key.encode()) for key in same} == {slot}
        assert names.shard_of_key(stream) == shard_of(thread, shards)
        assert routed(names, names.comments, Event(correlation_id=thread)) == stream
    plain = StreamNames("sc")
    assert plain.exchange_key("dedupe:x", "facebook:1") == "sc:dedupe:x"


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
