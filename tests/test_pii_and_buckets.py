from hrm_ray.inference.buckets import length_buckets
from hrm_ray.pii import redact


def test_redaction_replaces_emails_phones_and_urls_and_leaves_years_and_money():
    text, counts = redact("Jane, jane.doe+cv@mail.example.co.uk, +44 20 7946 0958, (555) 123-4567, "
                          "https://github.com/jane, www.jane.dev. Worked 2015-2018, salary 55,000, GPA 3.8.")
    assert "jane.doe" not in text and "7946" not in text and "123-4567" not in text and "github" not in text
    assert counts == {"URL": 2, "EMAIL": 1, "PHONE": 2}
    assert "2015-2018" in text and "55,000" in text and "3.8" in text


def test_length_buckets_cover_every_text_once_and_respect_the_token_budget():
    lengths = [5, 128, 7, 64, 128, 3, 90, 12, 128, 40]
    buckets = length_buckets(lengths, max_tokens=256)
    assert sorted(i for bucket in buckets for i in bucket) == list(range(len(lengths)))
    for bucket in buckets:
        assert len(bucket) == 1 or len(bucket) * max(lengths[i] for i in bucket) <= 256
    assert list(buckets[0]) == [5, 0, 2, 7, 9]  # shortest first, five rows of up to 40 tokens
