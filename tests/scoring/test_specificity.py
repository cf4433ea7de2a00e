from rehearse.feedback.scoring.specificity import find_named_things, find_numbers, specificity
from tests.scoring.conftest import transcript_of


def test_digits_number_words_percentages_money_and_durations_are_numbers():
    numbers = find_numbers(
        transcript_of("We had 12 engineers, two hundred and fifty users, a 30% drop, $2 million and three weeks.")
    )
    assert [n.text for n in numbers] == ["12 engineers", "two hundred and fifty users", "30%", "$2 million", "three weeks"]


def test_one_as_a_pronoun_is_not_a_number():
    assert find_numbers(transcript_of("One of the services failed, and no one noticed.")) == []
    assert [n.text for n in find_numbers(transcript_of("It took one week."))] == ["one week"]


def test_a_number_near_a_result_word_is_a_quantified_result():
    details, results = specificity(transcript_of("I joined in 2019. As a result, we cut costs by 30 percent."))
    assert details.quantified_results == 1
    assert results[0].quote == "As a result, we cut costs by 30 percent"


def test_a_number_without_a_result_is_not_a_quantified_result():
    details, _ = specificity(transcript_of("Our team had five engineers and two designers."))
    assert details.numbers == 2
    assert details.quantified_results == 0


def test_capitalised_words_inside_a_sentence_and_known_tech_names_are_named_things():
    names = find_named_things(transcript_of("We moved from MySQL to Google Cloud. Then kafka carried the events."))
    assert names == ["MySQL", "Google Cloud", "kafka"]


def test_sentence_initial_capitals_and_i_are_not_named_things():
    assert find_named_things(transcript_of("Then I wrote the tests. I'm proud of them.")) == []
