from rehearse.adapters.local.whisper_finals import LOOP_RUN, without_loops
from rehearse.domain.analysis_model import Word


def words(text: str) -> list[Word]:
    return [Word(w=w, start=i * 0.3, end=i * 0.3 + 0.25, conf=0.9) for i, w in enumerate(text.split())]


def test_a_decoding_loop_is_cut_to_a_few_repeats():
    looped = words("Yeah, " + "yeah, " * 40 + "yeah.")
    kept = without_loops(looped)
    assert [w.w for w in kept] == ["Yeah,", "yeah,", "yeah,"][:LOOP_RUN]


def test_ordinary_repeats_and_the_rest_of_the_phrase_are_kept():
    spoken = words("so so I led the the migration and it was very very very good")
    assert [w.w for w in without_loops(spoken)] == [w.w for w in spoken]
    looped = words("we shipped it " + "so " * 8 + "on time")
    assert " ".join(w.w for w in without_loops(looped)) == "we shipped it so so so on time"
