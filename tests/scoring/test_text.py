from rehearse.domain.analysis_model import AnswerText, Word
from rehearse.feedback.scoring.features import extract_features
from rehearse.feedback.scoring.text import split_answer
from tests.scoring.conftest import answer_from_text, timed_answer

RUN_ON = (
    "First I looked at the data and I compared our estimates with the cycle time and then I counted the "
    "interruptions and I ran a retrospective with the team and we changed two things and we hit the next dates."
)


def test_recognizer_words_keep_their_punctuation_and_lose_their_spaces():
    words = [Word(w=" It", start=0, end=0.2), Word(w=" was", start=0.3, end=0.5), Word(w=",", start=0.5, end=0.5)]
    words += [Word(w=" like,", start=0.6, end=0.8), Word(w=" slow.", start=0.9, end=1.2)]
    transcript = split_answer(AnswerText(question_text="q", words=words))
    assert [t.norm for t in transcript.tokens] == ["it", "was", "like", "slow"]
    assert transcript.tokens[1].comma_after and transcript.tokens[3].ends_sentence
    assert transcript.timed


def test_a_run_on_is_one_spoken_sentence_cut_into_clauses_for_analysis():
    transcript = split_answer(answer_from_text(RUN_ON))
    assert transcript.spoken_sentence_words == (40,)
    assert len(transcript.sentences) > 2
    features = extract_features(answer_from_text(RUN_ON), None, None)
    assert (features.sentence_count, features.mean_sentence_words) == (1, 40.0)


def test_unpunctuated_speech_is_cut_at_pauses_and_its_sentence_length_is_not_judged():
    answer = timed_answer(RUN_ON.replace(".", "").lower(), seconds_per_word=0.4, pauses={6: 1.0, 19: 1.0})
    transcript = split_answer(answer)
    assert not transcript.punctuated
    assert transcript.spoken_sentence_words == ()
    assert transcript.tokens[6].ends_sentence and transcript.tokens[19].ends_sentence
