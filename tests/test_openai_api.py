"""The OpenAI-compatible API with the clients people use: the official ``openai`` SDK and LangChain's
``ChatOpenAI``, against a real ``trialchat serve`` over the ingested sample (extractive answers: real
retrieval, real citations). Error cases run against the same server; the rate limit against its own."""
from __future__ import annotations

import re

import httpx
import openai
import pytest
from conftest_web import (  # noqa: F401
    PINNED_STUDY,
    XSS_STUDY_ID,
    LiveServer,
    partner_page_dir,
    partner_site,
    real_corpus,
    real_service,
    real_settings,
    served_app,
)

from assistant.types import Answer, Citation
from web.openai_api import extra, footnotes, markdown_safe, remainder, strip_footnotes

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def client(served_app) -> openai.OpenAI:
    # any key: the server does not check it (the SDK insists on one); no retries, so errors show at once
    return openai.OpenAI(base_url=served_app.url + "/v1", api_key="not-checked", max_retries=0, timeout=120)


def ask_api(served_app, question: str, study_id: str | None = None, history: list | None = None) -> dict:
    body = {"question": question, "study_id": study_id, "history": history or []}
    r = httpx.post(served_app.url + "/api/ask", json=body, timeout=120)
    assert r.status_code == 200, r.text
    return r.json()


def test_models_double_as_a_study_picker(client):
    ids = [m.id for m in client.models.list()]
    assert ids[0] == "trialchat" and f"trialchat:{PINNED_STUDY}" in ids and "trialchat:glossary" not in ids
    one = client.models.retrieve(f"trialchat:{PINNED_STUDY.lower()}")
    assert one.id == f"trialchat:{PINNED_STUDY}" and one.object == "model"
    with pytest.raises(openai.NotFoundError, match="NCT00000000"):
        client.models.retrieve("trialchat:NCT00000000")


def test_completion_is_the_verified_answer_with_footnotes(client, served_app):
    c = client.chat.completions.create(model=f"trialchat:{PINNED_STUDY}",
                                       messages=[{"role": "user", "content": "Who can join?"}], temperature=0.7)
    same = ask_api(served_app, "Who can join?", PINNED_STUDY)  # the JSON API's answer to the same question
    content = c.choices[0].message.content
    body, notes = content.split("\n\nSources:\n")
    assert body == markdown_safe(same["text"]) and c.choices[0].finish_reason == "stop"
    assert c.model == f"trialchat:{PINNED_STUDY}" and c.object == "chat.completion" and c.id.startswith("chatcmpl-")
    extra = c.model_extra["trialchat"]
    assert extra["status"] == "answered" and extra["study_id"] == PINNED_STUDY
    assert [x["n"] for x in extra["citations"]] == [x["n"] for x in same["citations"]]
    for cite in extra["citations"]:
        assert f"[{cite['n']}]" in body  # every footnote is cited in the text...
        assert f"[{cite['n']}] {PINNED_STUDY} · {cite['field_label']}" in notes  # ...and rendered as a footnote
        assert cite["field_path"] and cite["quote"] and cite["source_url"].startswith("https://")
        assert f"“{markdown_safe(cite['quote'])}”" in notes
    numbers = {x["n"] for x in extra["citations"]}
    assert [line.split("]")[0] + "]" for line in notes.split("\n\n")] == [f"[{n}]" for n in sorted(numbers)]


def test_streaming_gives_the_same_content_in_openai_chunks(client):
    messages = [{"role": "user", "content": "Where is it happening?"}]
    whole = client.chat.completions.create(model=f"trialchat:{PINNED_STUDY}", messages=messages)
    chunks = list(client.chat.completions.create(model=f"trialchat:{PINNED_STUDY}", messages=messages, stream=True))
    assert chunks[0].choices[0].delta.role == "assistant"
    assert all(ch.object == "chat.completion.chunk" and ch.id == chunks[0].id for ch in chunks)
    text = "".join(ch.choices[0].delta.content or "" for ch in chunks)
    assert text == whole.choices[0].message.content and "Locations" in text
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop" and last.model_extra["trialchat"]["study_id"] == PINNED_STUDY
    assert [ch.choices[0].finish_reason for ch in chunks[:-1]] == [None] * (len(chunks) - 1)


def test_study_from_metadata_and_conflicts(client):
    c = client.chat.completions.create(model="trialchat", metadata={"study_id": PINNED_STUDY},
                                       messages=[{"role": "user", "content": "Is it still recruiting?"}])
    assert c.model_extra["trialchat"]["study_id"] == PINNED_STUDY
    with pytest.raises(openai.BadRequestError, match="name one study") as e:
        client.chat.completions.create(model=f"trialchat:{PINNED_STUDY}", metadata={"study_id": "NCT02633163"},
                                       messages=[{"role": "user", "content": "Who can join?"}])
    assert e.value.code == "conflicting_study"
    with pytest.raises(openai.NotFoundError, match="NCT00000001"):
        client.chat.completions.create(model="trialchat:NCT00000001", messages=[{"role": "user", "content": "Who?"}])


def test_history_comes_from_the_messages(client):
    """A follow-up with no pin: the study is the one the conversation is about (the first answer, with
    its footnotes, is sent back as the assistant turn, as chat clients do)."""
    first = client.chat.completions.create(model="trialchat", messages=[
        {"role": "system", "content": "You are a helpful assistant."},  # ignored: trialchat's rules apply
        {"role": "user", "content": f"Who can join {PINNED_STUDY}?"}])
    assert first.model_extra["trialchat"]["study_id"] == PINNED_STUDY
    follow = client.chat.completions.create(model="trialchat", messages=[
        {"role": "user", "content": f"Who can join {PINNED_STUDY}?"},
        {"role": "assistant", "content": first.choices[0].message.content},
        {"role": "user", "content": [{"type": "text", "text": "Where is it happening?"}]}])
    extra = follow.model_extra["trialchat"]
    assert extra["study_id"] == PINNED_STUDY and extra["citations"]
    assert all(c["study_id"] in (PINNED_STUDY, "glossary") for c in extra["citations"])


@pytest.mark.parametrize("kwargs,error,words", [
    ({"model": "gpt-4o"}, openai.NotFoundError, "trialchat:<study ID>"),
    ({"messages": [{"role": "user", "content": "   "}]}, openai.BadRequestError, "empty"),
    ({"messages": [{"role": "user", "content": "x" * 2001}]}, openai.BadRequestError, "2000"),
    ({"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]},
     openai.BadRequestError, "last message must be the user's question"),
    ({"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "https://x.org/a.png"}}]}]},
     openai.BadRequestError, "Only text"),
    ({"messages": []}, openai.BadRequestError, "messages"),
    ({"n": 3}, openai.BadRequestError, "one choice"),
])
def test_bad_requests_get_openai_errors(client, kwargs, error, words):
    args = {"model": f"trialchat:{PINNED_STUDY}", "messages": [{"role": "user", "content": "Who can join?"}], **kwargs}
    with pytest.raises(error) as e:
        client.chat.completions.create(**args)
    assert words in e.value.message
    body = e.value.body  # OpenAI's error object
    assert set(body) >= {"message", "type", "param", "code"} and "Traceback" not in str(body)


def test_huge_request_is_refused_before_it_is_read(client):
    with pytest.raises(openai.APIStatusError) as e:
        client.chat.completions.create(model="trialchat", messages=[{"role": "user", "content": "x" * 2_000_000}])
    assert e.value.status_code == 413 and e.value.code == "request_too_large"


def test_same_origin_rules_as_the_api(served_app, partner_site):
    evil = openai.OpenAI(base_url=served_app.url + "/v1", api_key="x", max_retries=0,
                         default_headers={"Origin": "https://evil.example"})
    with pytest.raises(openai.PermissionDeniedError, match="TRIALCHAT_ALLOWED_ORIGINS"):
        evil.chat.completions.create(model="trialchat", messages=[{"role": "user", "content": "Who can join?"}])
    partner = openai.OpenAI(base_url=served_app.url + "/v1", api_key="x", max_retries=0,
                            default_headers={"Origin": partner_site.origin})
    r = partner.chat.completions.with_raw_response.create(
        model=f"trialchat:{PINNED_STUDY}", messages=[{"role": "user", "content": "Who can join?"}])
    assert r.headers["access-control-allow-origin"] == partner_site.origin


def test_record_text_cannot_become_a_link_or_html_in_a_markdown_client(client):
    c = client.chat.completions.create(model=f"trialchat:{XSS_STUDY_ID}",
                                       messages=[{"role": "user", "content": "What is the study about?"}])
    content = c.choices[0].message.content
    assert "\\<script>" in content and not re.search(r"(?<!\\)<", content)  # every < escaped
    assert markdown_safe("see [here](javascript:x) <b>[2]</b> [12]") == "see \\[here\\](javascript:x) \\<b>[2]\\</b> [12]"


def test_langchain_chat_openai(served_app):
    from langchain_openai import ChatOpenAI

    llm = ChatOpenAI(base_url=served_app.url + "/v1", api_key="not-checked", model=f"trialchat:{PINNED_STUDY}",
                     max_retries=0, timeout=120)
    reply = llm.invoke("Who can join?")
    assert "[1]" in reply.content and f"[1] {PINNED_STUDY} · " in reply.content
    streamed = "".join(str(chunk.content) for chunk in llm.stream("Who can join?"))
    assert streamed == reply.content


def test_rate_limit_is_shared_and_says_when_to_retry(real_service, real_corpus):
    from app import create_app

    server = LiveServer(create_app(real_settings(real_corpus, rate_limit_per_minute=2), service=real_service)).start()
    try:
        c = openai.OpenAI(base_url=server.url + "/v1", api_key="x", max_retries=0)
        ask = {"model": f"trialchat:{PINNED_STUDY}", "messages": [{"role": "user", "content": "Who can join?"}]}
        c.chat.completions.create(**ask)
        assert httpx.post(server.url + "/api/ask", json={"question": "Who can join?"}).status_code == 200
        with pytest.raises(openai.RateLimitError, match="2 per minute") as e:
            c.chat.completions.create(**ask)
        assert int(e.value.response.headers["retry-after"]) >= 1
    finally:
        server.stop()


def test_stream_bookkeeping():
    assert strip_footnotes("Adults \\[x\\] can join [1].\n\nSources:\n[1] NCT1 · Eligibility: “adults”") == \
        "Adults [x] can join [1]."
    assert remainder("", "The records don't say.") == "The records don't say."
    assert remainder("A [1]. B [2]. ", "A [1]. B [2].") == ""
    assert remainder("A [1]. ", "A [1]. The team: x [2].") == "The team: x [2]."
    assert remainder("Something else. ", "A [1].") == "\n\nA [1]."


def test_footnotes_show_the_labels_people_see_and_keep_ids_for_machines():
    """People read the footnotes: "Glossary › Double-blind", never the internal ``glossary`` ID or a field
    path; the ``trialchat`` extra field keeps the machine fields (study_id, field_path)."""
    answer = Answer(text="Nobody knows who gets what [1]. Participants are adults [2].", status="answered",
                    citations=[
                        Citation(n=1, study_id="glossary", field_path="glossary.double_blind",
                                 field_label="Glossary › Double-blind", quote="neither the participants",
                                 source_url=""),
                        Citation(n=2, study_id="NCT02552212", field_path="eligibility.criteria",
                                 field_label="Eligibility", quote="adults",
                                 source_url="https://clinicaltrials.gov/study/NCT02552212")])
    notes = footnotes(answer)
    assert "[1] Glossary › Double-blind: “neither the participants”" in notes
    assert "[2] NCT02552212 · Eligibility: “adults” — https://clinicaltrials.gov/study/NCT02552212" in notes
    assert "glossary ·" not in notes and "glossary.double_blind" not in notes and "eligibility.criteria" not in notes
    machine = extra(answer)["citations"]
    assert [(c["study_id"], c["field_path"]) for c in machine] == [
        ("glossary", "glossary.double_blind"), ("NCT02552212", "eligibility.criteria")]
    assert machine[0]["display_label"] == "Glossary › Double-blind"
