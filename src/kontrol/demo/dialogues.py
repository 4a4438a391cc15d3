"""What is said in a demo conversation: the plan's events put into the phrasebook's words.

One function per kind of contact (handled, outbound, bot only, abandoned,
e-mail). The plan decides what happens (a greeting or not, a vague answer, a
rude reply, a transfer...); these functions pick the words in the order the
conversation goes, so the same seed always gives the same conversation: every
draw from the dice happens in the same order as the conversation is told.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kontrol.demo.dice import Dice
from kontrol.demo.people import Agent
from kontrol.demo.phrasebook import Phrasebook, Phrases, Scenario
from kontrol.demo.plans import Plan
from kontrol.demo.script import HOLD, PAUSE, PRE, QUICK, MessageRecord, Script, Slots

if TYPE_CHECKING:
    # Only for annotations: the renderer calls these functions, so it imports this module.
    from kontrol.demo.render import Renderer


# --- a contact an agent took ---------------------------------------------------------


def handled(
    renderer: Renderer,
    plan: Plan,
    scenario: Scenario,
    slots: Slots,
    spoken: bool,
) -> Script:
    """A contact an agent took: the opening, the question, the findings, the outcome, the close."""
    rng = renderer.rng
    script = Script(renderer, plan, slots, spoken)
    visit = plan.channel == "visit"
    phone = spoken and not visit
    first = _opening(script, rng, scenario, phone=phone)
    about_order = _question(script, rng, scenario, first, phone=phone)
    _findings(script, rng, scenario, phone=phone, visit=visit)
    handed_over, closer = _outcome(script, rng, scenario)
    if not handed_over:
        _close(script, rng, closer, about_order=about_order, phone=phone, visit=visit)
    return script


def _greeting(plan: Plan, book: Phrasebook, rng: Dice, phone: bool) -> str:
    """The agent's first words: with or without a greeting and their name."""
    choice = rng.pick
    if phone:
        if plan.greet and plan.intro:
            return choice(book.open_call_full)
        if plan.greet:
            return choice(book.open_call_greet)
        if plan.intro:
            return choice(book.open_call_intro)
        return choice(book.open_call_bare)
    if plan.greet and plan.intro:
        return choice(book.open_text_full)
    if plan.greet:
        return choice(book.open_text_greet)
    if plan.intro:
        return choice(book.open_text_intro)
    return choice(book.open_text_bare)


def _opening(script: Script, rng: Dice, scenario: Scenario, *, phone: bool) -> str:
    """How the contact starts; returns the agent's first words (said already when spoken)."""
    plan, book, choice = script.plan, script.book, rng.pick
    opening = choice(scenario.opening_negative if plan.negative else scenario.opening)
    if plan.repeat_of is not None and rng.random() < 0.7:
        opening = choice(book.repeat_prefix) + " " + opening
    first = _greeting(plan, book, rng, phone)
    if script.spoken:
        # on the phone and at the desk the agent speaks first
        if phone and rng.random() < 0.5:
            opening = choice(book.customer_hello) + " " + opening
        script.agent(first)
        script.customer(opening)
        if rng.random() < 0.6:
            script.customer(choice(book.elaborate), QUICK)
        return first
    if plan.bot_intro:
        script.bot(choice(book.bot_hello), PRE)
        script.customer(choice(scenario.intent), PRE)
        if rng.random() < 0.45:
            script.bot(choice(book.bot_try), PRE)
            script.customer(choice(book.ask_human), PRE)
        script.bot(choice(book.bot_handoff), PRE)
    script.customer(opening, PRE)
    if rng.random() < 0.15:
        script.customer(choice(book.elaborate), PRE)
    if plan.start - plan.arrive > 60 and rng.random() < 0.4:
        script.customer(choice(book.waiting), PRE)
    if plan.channel != "social" and rng.random() < 0.6:
        script.system(choice(book.sys_joined))
    return first


def _question(script: Script, rng: Dice, scenario: Scenario, first: str, *, phone: bool) -> bool:
    """The agent asks what the matter is; returns whether the customer named an order."""
    plan, book, choice = script.plan, script.book, rng.pick
    question = []
    if phone and rng.random() < 0.5:
        script.agent(choice(book.verify_ask))
        script.customer(choice(book.verify_answer))
    if plan.negative and plan.empathy:
        question.append(choice(book.empathy))
    if plan.ask:
        question.append(choice(scenario.need))
    if script.spoken:
        if question:
            script.agent(" ".join(question))
    elif question and rng.random() < 0.5:
        script.agent(" ".join([first, *question]))
    else:
        script.agent(first)
        if question:
            script.agent(" ".join(question), QUICK)
    about_order = False
    if plan.ask:
        details = choice(scenario.details)
        about_order = "{order}" in details
        if phone and rng.random() < 0.3:
            script.customer(choice(book.customer_search))
            script.customer(details, PAUSE)
        else:
            script.customer(details)
        if phone and about_order and rng.random() < 0.4:
            script.agent(choice(book.confirm_order))
            script.customer(choice(book.confirm_yes))
    return about_order


def _findings(script: Script, rng: Dice, scenario: Scenario, *, phone: bool, visit: bool) -> None:
    """The agent checks (announcing the hold or not) and comes back with what they found."""
    plan, book, choice = script.plan, script.book, rng.pick
    if script.spoken:
        if plan.long_hold and not plan.hold_announced:
            script.agent(choice(book.hold_silent))
        else:
            script.agent(choice(book.hold_visit if visit else book.hold_call))
    elif plan.hold_announced:
        script.agent(choice(book.hold_text), script.follow())
    resume = choice(book.hold_resume) + " " if plan.hold_announced and rng.random() < 0.5 else ""
    if phone and rng.random() < 0.12:
        script.agent(choice(book.line_check), HOLD)
        script.customer(choice(book.line_ok))
        script.agent(resume + choice(scenario.findings))
    else:
        script.agent(resume + choice(scenario.findings), HOLD)


def _outcome(script: Script, rng: Dice, scenario: Scenario) -> tuple[bool, Agent | None]:
    """Solved, not solved or transferred, with what goes wrong on the way.

    Returns whether the contact was handed over for good (it ends there) and
    the agent who closes it when a colleague took over within the contact.
    """
    plan, book, choice = script.plan, script.book, rng.pick
    status = plan.status
    second = plan.transfer_to if status == "transferred" else None
    if status == "resolved" and rng.random() < 0.65:
        script.agent(choice(scenario.done), QUICK)
    if plan.upsell:
        script.agent(choice(book.upsell), QUICK)
        script.customer(choice(book.no_more))
    if status == "unresolved":
        script.agent(choice(book.unresolved), script.follow())
    if second is None or not plan.transfer_continues:
        _when(script, rng, scenario, None)
    if plan.rude:
        script.customer(choice(book.customer_upset))
        script.agent(choice(book.rude))
    if plan.escalated:
        script.customer(choice(book.complaint_escalation))
        script.agent(choice(book.complaint_noted))
    if plan.promise:
        promises = book.promise_call if script.spoken else book.promise_text
        script.agent(choice(promises), script.follow())
    if second is None:
        return False, None
    script.agent(choice(book.transfer), script.follow())
    if not plan.transfer_continues:
        if rng.random() < 0.5:
            script.customer(choice(book.ack_good))
        script.system(choice(book.sys_transfer))
        return True, None
    script.customer(choice(book.ack_good))
    script.system(choice(book.sys_transfer))
    script.agent(choice(book.transfer_pickup), HOLD, second)
    script.agent(choice(scenario.done), QUICK, second)
    _when(script, rng, scenario, second)
    return False, second


def _close(
    script: Script,
    rng: Dice,
    closer: Agent | None,
    *,
    about_order: bool,
    phone: bool,
    visit: bool,
) -> None:
    """The customer's last word and the agent's goodbye (thanks, a rating, a wish)."""
    plan, book, choice = script.plan, script.book, rng.pick
    spoken = script.spoken
    status = plan.status
    good = status != "unresolved" and not plan.rude
    script.customer(choice(book.ack_good if good else book.ack_bad))
    recap = phone and about_order and status == "resolved" and closer is None
    if recap and rng.random() < 0.35:
        script.agent(choice(book.recap))
    if plan.more_help:
        script.agent(choice(book.more_help), author=closer)
        script.customer(choice(book.no_more))
    final = []
    if plan.thanks:
        thanks = book.thanks_visit if visit else book.thanks_call if spoken else book.thanks_text
        final.append(choice(thanks))
    if plan.rating:
        rating = book.rating_visit if visit else book.rating_call if spoken else book.rating_text
        final.append(choice(rating))
    if final or rng.random() < 0.7:
        wish = choice(book.wish)
        if wish:
            final.append(wish)
    if not final and rng.random() < 0.5:
        final.append(choice(book.bare_close))
    if final:
        script.agent(" ".join(final), author=closer)
    if plan.channel in ("chat", "app") and rng.random() < 0.5:
        script.system(choice(book.sys_closed))


def _when(script: Script, rng: Dice, scenario: Scenario, author: Agent | None) -> None:
    """The customer asks "when?" and gets a date, or only a vague "soon"."""
    plan, book = script.plan, script.book
    if not plan.when_q:
        return
    choice = rng.pick
    answers = book.pending_specific if plan.status == "unresolved" else scenario.specific
    script.customer(choice(scenario.when))
    if plan.specific:
        script.agent(choice(answers), author=author)
        return
    script.agent(choice(book.vague), author=author)
    if rng.random() < 0.55:
        script.customer(choice(book.push_back))
        late_answer = rng.random() < 0.3
        script.agent(choice(answers if late_answer else book.vague), author=author)


# --- the other kinds of contact ---------------------------------------------------------


def outbound(renderer: Renderer, plan: Plan, scenario: Scenario, slots: Slots) -> Script:
    """A call the agent makes: a promised callback, or a proactive call."""
    rng = renderer.rng
    choice = rng.pick
    script = Script(renderer, plan, slots, True)
    book = script.book
    if plan.kind == "callback":
        script.agent(choice(book.outbound_callback))
        script.customer(choice(book.customer_ok_to_talk))
        script.agent(choice(scenario.findings))
        script.agent(choice(scenario.done), QUICK)
        if rng.random() < 0.6:
            script.customer(choice(scenario.when))
            script.agent(choice(scenario.specific) if plan.specific else choice(book.vague))
    else:
        script.agent(choice(book.outbound_proactive_open))
        script.customer(choice(book.customer_ok_to_talk))
        script.agent(choice(scenario.proactive))
    script.customer(choice(book.ack_good) if rng.random() < 0.8 else choice(book.ack_bad))
    if plan.more_help:
        script.agent(choice(book.more_help))
        script.customer(choice(book.no_more))
    final = [choice(book.thanks_call)] if plan.thanks else []
    final.append(choice(book.wish) or choice(book.bare_close))
    script.agent(" ".join(final))
    return script


def bot_only(renderer: Renderer, plan: Plan, scenario: Scenario, slots: Slots) -> Script:
    """A contact the bot handled alone (or failed to hand over)."""
    choice = renderer.rng.pick
    script = Script(renderer, plan, slots, False)
    book = script.book
    script.bot(choice(book.bot_hello))
    script.customer(choice(scenario.intent))
    script.bot(choice(scenario.bot_answer))
    if plan.status == "resolved":
        script.customer(choice(book.ack_good))
        script.bot(choice(book.bot_thanks))
    else:
        script.customer(choice(book.ask_human))
        script.bot(choice(book.bot_busy))
    return script


def abandoned(renderer: Renderer, plan: Plan, scenario: Scenario, slots: Slots) -> Script:
    """A customer who gave up waiting for an agent."""
    rng = renderer.rng
    script = Script(renderer, plan, slots, False)
    book = script.book
    if plan.bot_intro:
        script.bot(rng.pick(book.bot_hello), PRE)
        script.bot(rng.pick(book.bot_handoff), PRE)
    script.customer(rng.pick(scenario.opening_negative if plan.negative else scenario.opening), PRE)
    if rng.random() < 0.5:
        script.customer(rng.pick(book.waiting), PRE)
    script.system(rng.pick(book.sys_left), PRE)
    return script


# --- e-mail -------------------------------------------------------------------------------


def email(
    renderer: Renderer, plan: Plan, scenario: Scenario, slots: Slots
) -> tuple[list[MessageRecord], int]:
    """An e-mail thread: the customer's mail, the agent's reply, now and then a follow-up."""
    rng = renderer.rng
    iso = renderer.clock.iso
    book = slots.book
    text = _customer_mail(rng, plan, book, scenario).format_map(slots)
    messages: list[MessageRecord] = [
        {"role": "customer", "text": renderer.customer_text(plan, text), "at": iso(plan.arrive)}
    ]
    answers = book.pending_specific if plan.status != "resolved" else scenario.specific
    reply = _agent_reply(rng, plan, book, scenario, answers).format_map(slots)
    messages.append(
        {"role": "agent", "text": renderer.agent_text(plan, reply), "at": iso(plan.start)}
    )
    moment = plan.start
    if rng.random() < (0.6 if not plan.specific or plan.status != "resolved" else 0.3):
        moment += 1200 + int(rng.expovariate(1 / 20_000))
        if plan.when_q and not plan.specific:
            answer = rng.pick(book.push_back)
        else:
            answer = rng.pick(book.ack_good if plan.status == "resolved" else book.ack_bad)
        messages.append(
            {
                "role": "customer",
                "text": renderer.customer_text(plan, answer.format_map(slots)),
                "at": iso(moment),
            }
        )
        if rng.random() < 0.7:
            moment += _follow_up_delay(rng, plan)
            second = [rng.pick(answers) if plan.specific else rng.pick(book.vague)]
            if plan.more_help:
                second.append(rng.pick(book.email_more))
            if plan.intro:
                second.append(rng.pick(book.email_signature))
            text = "\n\n".join(second).format_map(slots)
            messages.append(
                {"role": "agent", "text": renderer.agent_text(plan, text), "at": iso(moment)}
            )
    return messages, moment


def _customer_mail(rng: Dice, plan: Plan, book: Phrasebook, scenario: Scenario) -> str:
    """The customer's mail, slots not yet filled."""
    choice = rng.pick
    body = [choice(scenario.opening_negative if plan.negative else scenario.opening)]
    if plan.repeat_of is not None and rng.random() < 0.7:
        body.insert(0, choice(book.repeat_prefix))
    body.append(choice(scenario.details))
    if plan.when_q:
        body.append(choice(scenario.when))
    sign = choice(book.email_customer_sign)
    return " ".join(body) + ("\n\n" + sign if sign else "")


def _agent_reply(
    rng: Dice, plan: Plan, book: Phrasebook, scenario: Scenario, answers: Phrases
) -> str:
    """The agent's reply: greeting, findings and outcome, closing lines, signature."""
    choice = rng.pick
    parts = []
    if plan.greet:
        parts.append("{greet}{nm}!")
    paragraph = []
    if plan.negative and plan.empathy:
        paragraph.append(choice(book.empathy))
    paragraph.append(choice(scenario.findings))
    if plan.status == "resolved":
        paragraph.append(choice(scenario.done))
    elif plan.status == "unresolved":
        paragraph.append(choice(book.unresolved))
    else:
        paragraph.append(choice(book.transfer_email))
    if plan.when_q:
        paragraph.append(choice(answers) if plan.specific else choice(book.vague))
    if plan.rude:
        paragraph.append(choice(book.rude))
    parts.append(" ".join(paragraph))
    closing = []
    if plan.more_help:
        closing.append(choice(book.email_more))
    if plan.thanks:
        closing.append(choice(book.email_thanks))
    if plan.rating:
        closing.append(choice(book.rating_text))
    if closing:
        parts.append(" ".join(closing))
    if plan.intro:
        parts.append(choice(book.email_signature))
    return "\n\n".join(parts)


def _follow_up_delay(rng: Dice, plan: Plan) -> int:
    """Seconds until the agent answers the customer's reply (slow agents, slow desks)."""
    agent = plan.agent
    reply = agent.profile.reply if agent is not None else 25.0
    factor = 3.0 if plan.slow else 1.0
    return 300 + int(reply * 200 * factor * rng.lognormal(0.0, 0.6))
