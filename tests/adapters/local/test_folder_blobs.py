import pytest

from rehearse.adapters.local.folder_blobs import FolderBlobs
from rehearse.domain.errors import InvalidRequest


async def test_blobs_round_trip_and_delete(tmp_path):
    blobs = FolderBlobs(tmp_path)
    await blobs.put("reports", "s_1/report.json", b'{"overall": 70}', "application/json")
    assert await blobs.get("reports", "s_1/report.json") == b'{"overall": 70}'
    await blobs.delete("reports", "s_1/report.json")
    assert await blobs.get("reports", "s_1/report.json") is None
    await blobs.delete("reports", "s_1/report.json")  # deleting twice is fine


async def test_a_name_cannot_escape_its_container(tmp_path):
    with pytest.raises(InvalidRequest):
        await FolderBlobs(tmp_path).put("reports", "../../etc/passwd", b"x")


async def test_blobs_are_listed_by_prefix_and_deleting_prunes_empty_folders(tmp_path):
    blobs = FolderBlobs(tmp_path)
    assert await blobs.list("recordings", "s_1/") == []  # no container yet
    for name in ("s_1/q1-1.wav", "s_1/deep/q2-1.wav", "s_10/q1-1.wav", "s_2/q1-1.wav"):
        await blobs.put("recordings", name, b"RIFF")
    (tmp_path / "recordings" / "s_1" / "q3-1.wav.partial").write_bytes(b"half")  # a write in progress is not a blob
    assert await blobs.list("recordings", "s_1/") == ["s_1/deep/q2-1.wav", "s_1/q1-1.wav"]
    assert await blobs.list("recordings") == ["s_1/deep/q2-1.wav", "s_1/q1-1.wav", "s_10/q1-1.wav", "s_2/q1-1.wav"]
    await blobs.delete("recordings", "s_1/deep/q2-1.wav")
    assert not (tmp_path / "recordings" / "s_1" / "deep").exists()
    await blobs.delete("recordings", "s_2/q1-1.wav")
    assert not (tmp_path / "recordings" / "s_2").exists() and (tmp_path / "recordings").is_dir()
    await blobs.put("recordings", "s_2/again.wav", b"x")  # a pruned folder comes back on the next write
    assert await blobs.get("recordings", "s_2/again.wav") == b"x"
