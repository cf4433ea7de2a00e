import pytest

from rehearse.adapters.local.folder_blobs import FolderBlobs
from rehearse.errors import InvalidRequest


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
