"""Planning pass of the demo generator: who contacts whom, when, how it goes.

Planning decides everything that matters for metrics and for cause and effect:
the customer, time, channel and topic of each contact, the agent who answers,
how it ends, which good and bad habits show, how the customer rates it, who
comes back within days and who stops ordering after bad service. Rendering
(``render.py``) only turns each plan into words and timestamps; the records are
in ``plans.py``, ratings in ``ratings.py`` and the shop's orders in ``orders.py``.
"""

from __future__ import annotations

import bisect
import itertools
from datetime import date, timedelta

from kontrol.demo.clock import LocalClock
from kontrol.demo.dice import Dice
from kontrol.demo.people import (
    EN_FIRST,
    EN_LAST,
    RU_FIRST,
    RU_LAST,
    TEAM_2,
    Agent,
)
from kontrol.demo.plans import DAY, Customer, Episode, Plan, price_tag
from kontrol.demo.rates import (
    ABANDON_RATE,
    CHANNEL_WEIGHTS,
    CHANNELS,
    HOURS_CALL,
    HOURS_EMAIL,
    HOURS_TEXT,
    HOURS_VISIT,
    NEGATIVE_RATE,
    ORDER_TOPICS,
    RESOLVE_SHIFT,
    TOPIC_WEIGHTS,
    TOPICS,
    WAIT,
    WHEN_RATE,
)
from kontrol.demo.ratings import survey_answers
from kontrol.demo.sizes import SMALL, DemoSize


class Planner:
    """Plans ``count`` interactions and the orders around them over ``days`` before ``end``,
    answered by the agents of ``size``."""

    def __init__(
        self,
        rng: Dice,
        clock: LocalClock,
        count: int,
        end: date,
        days: int,
        size: DemoSize = SMALL,
    ) -> None:
        self.rng = rng
        self.agents = size.agents
        self.russian_share = size.russian_share
        self.clock = clock
        self.count = count
        self.end = end
        self.days = days
        first_day = end - timedelta(days=days)
        self.day_dates = [first_day + timedelta(days=i) for i in range(days)]
        self.day_starts = [clock.midnight(day) for day in self.day_dates]
        self.period_start = self.day_starts[0]
        self.period_end = clock.midnight(end)
        self.hired_at = {
            agent.id: clock.midnight(end - timedelta(days=agent.hired_days_before_end))
            for agent in self.agents
        }
        # A few days of a delivery incident make the trend charts worth looking at.
        self.incident_first = int(days * 0.62)
        self.incident_last = self.incident_first + min(4, days - 1)
        self.day_cum = list(itertools.accumulate(self._day_weight(i) for i in range(days)))
        self.hours = {
            "call": list(itertools.accumulate(HOURS_CALL)),
            "text": list(itertools.accumulate(HOURS_TEXT)),
            "email": list(itertools.accumulate(HOURS_EMAIL)),
            "visit": list(itertools.accumulate(HOURS_VISIT)),
        }
        self.channel_cum = {
            lang: list(itertools.accumulate(weights)) for lang, weights in CHANNEL_WEIGHTS.items()
        }
        self.topic_cum = list(itertools.accumulate(TOPIC_WEIGHTS))
        incident_topics = [
            w * (3.0 if t == "delivery" else 1.0)
            for t, w in zip(TOPICS, TOPIC_WEIGHTS, strict=True)
        ]
        self.incident_topic_cum = list(itertools.accumulate(incident_topics))
        self.agent_pools = self._agent_pools()
        self.customers = self._customers(max(12, round(count * 0.75)))
        # an episode picks its language first, so the 70/30 mix holds even when a few
        # very active customers contact us again and again
        self.by_lang: dict[str, tuple[list[Customer], list[float]]] = {}
        for lang in ("ru", "en"):
            group = [c for c in self.customers if c.lang == lang] or self.customers
            self.by_lang[lang] = (group, list(itertools.accumulate(c.activity for c in group)))
        self.seq = itertools.count()
        self.case_numbers = itertools.count(10_421)
        self.claim_numbers = itertools.count(3_107)
        self.linked_orders: list[tuple[int, int]] = []

    # ---------------------------------------------------------------- set-up

    def _day_weight(self, index: int) -> float:
        weekday = self.day_dates[index].weekday()
        weight = (1.0, 1.02, 0.98, 1.0, 0.95, 0.7, 0.55)[weekday]
        weight *= 0.9 + 0.2 * index / max(1, self.days - 1)
        if self.incident_first <= index <= self.incident_last:
            weight *= 1.45
        return weight

    def _agent_pools(self) -> dict[tuple[str, str], tuple[list[Agent], list[float]]]:
        pools = {}
        for lang in ("ru", "en"):
            for channel in CHANNELS:
                chosen = [
                    a for a in self.agents if a.lang == lang and a.channels.get(channel, 0) > 0
                ]
                if not chosen:
                    chosen = [a for a in self.agents if a.lang == lang]
                weights = [a.load * a.channels.get(channel, 0.1) for a in chosen]
                pools[(lang, channel)] = (chosen, list(itertools.accumulate(weights)))
        return pools

    def _customers(self, count: int) -> list[Customer]:
        rng = self.rng
        customers = []
        for index in range(count):
            lang = "ru" if rng.random() < self.russian_share else "en"
            if lang == "ru":
                first, female, latin = rng.pick(RU_FIRST)
                male_last, female_last, latin_last = rng.pick(RU_LAST)
                last = female_last if female else male_last
            else:
                first, female, latin = rng.pick(EN_FIRST)
                last = latin_last = rng.pick(EN_LAST)
            vip = rng.random() < 0.05
            # customers who buy more also contact support more
            activity = 0.6 + rng.expovariate(1.0)
            rate = 0.0 if rng.random() < 0.2 else activity * rng.uniform(0.4, 1.1)
            customers.append(
                Customer(
                    index=index,
                    id=f"c{index + 1:04d}",
                    lang=lang,
                    first=first,
                    display=f"{first} {last}" if rng.random() < 0.25 else first,
                    female=female,
                    latin=f"{latin} {latin_last.lower()}",
                    key=rng.getrandbits(32),
                    casual=rng.random() < 0.35,
                    no_yo=rng.random() < 0.55,
                    vip=vip,
                    activity=activity,
                    order_rate=rate * (2.0 if vip else 1.0),
                    basket=rng.lognormal(7.9, 0.5) * (1.8 if vip else 1.0),
                    favourite=rng.pick_weighted(CHANNELS, self.channel_cum[lang]),
                )
            )
        return customers

    # -------------------------------------------------------------- planning

    def plan(self) -> list[Plan]:
        """All interactions, sorted by ``started_at``."""
        plans: list[Plan] = []
        while len(plans) < self.count:
            self._episode(plans)
        del plans[self.count :]
        plans.sort(key=lambda plan: (plan.start, plan.seq))
        return plans

    def _pick_time(self, channel: str, day: int) -> int:
        rng = self.rng
        if channel == "call":
            hours = self.hours["call"]
        elif channel == "email":
            hours = self.hours["email"]
        elif channel == "visit":
            hours = self.hours["visit"]
        else:
            hours = self.hours["text"]
        hour = bisect.bisect_right(hours, rng.random() * hours[-1])
        return self.day_starts[day] + hour * 3600 + rng.below(3600)

    def _day_of(self, ts: int) -> int:
        return max(0, bisect.bisect_right(self.day_starts, ts) - 1)

    def _in_incident(self, ts: int) -> bool:
        return self.incident_first <= self._day_of(ts) <= self.incident_last

    def _pick_channel(self, customer: Customer) -> str:
        if self.rng.random() < 0.3:
            return customer.favourite
        return self.rng.pick_weighted(CHANNELS, self.channel_cum[customer.lang])

    def _episode(self, plans: list[Plan]) -> None:
        rng = self.rng
        group, activity = self.by_lang["ru" if rng.random() < self.russian_share else "en"]
        customer = rng.pick_weighted(group, activity)
        customer.episodes += 1
        day = bisect.bisect_right(self.day_cum, rng.random() * self.day_cum[-1])
        day = min(day, self.days - 1)
        incident = self.incident_first <= day <= self.incident_last
        topic_cum = self.incident_topic_cum if incident else self.topic_cum
        topic = rng.pick_weighted(TOPICS, topic_cum)
        episode = Episode(
            scenario=rng.below(60),
            order_no=str(rng.between(10_000_000, 99_999_999)),
            product=rng.below(100),
            claim=f"{next(self.claim_numbers):05d}",
            amount=self._price(customer.basket),
            card=f"{rng.below(10_000):04d}",
        )
        if rng.random() < 0.02:
            plans.append(self._proactive(customer, episode, day))
            return
        channel = self._pick_channel(customer)
        arrive = self._pick_time(channel, day)
        if topic in ORDER_TOPICS and rng.random() < 0.75:
            ordered = arrive - int(rng.uniform(0.3, 9.0) * DAY)
            if ordered >= self.period_start:
                self.linked_orders.append((ordered, customer.index))
        chain: list[Plan] = []
        previous: Plan | None = None
        for _ in range(4):
            plan = self._contact(customer, episode, channel, topic, arrive, previous)
            if customer.episodes == 1 and topic in ("delivery", "payment") and rng.random() < 0.3:
                plan.tags.append("first_order")
            chain.append(plan)
            plans.append(plan)
            if plan.promise and plan.agent is not None:
                if rng.random() < plan.agent.profile.keep_promise:
                    callback = self._callback(plan)
                    if callback is not None:
                        chain.append(callback)
                        plans.append(callback)
            follow, delay = self._follow_up(plan)
            if not follow:
                break
            arrive = plan.arrive + delay
            if arrive >= self.period_end - 600:
                break
            if plan.kind in ("abandoned", "bot"):
                # trying again, often on the same channel, else on a live one
                if rng.random() < 0.5 or plan.channel == "self_service":
                    channel = rng.pick(("call", "chat", "chat", "messenger", "app"))
            elif rng.random() < 0.6:
                channel = rng.pick([c for c in CHANNELS if c not in (plan.channel, "visit")])
            previous = plan
        if any(p.channel == "email" for p in chain) or (len(chain) > 1 and rng.random() < 0.75):
            case_id = f"K-{next(self.case_numbers)}"
            for plan in chain:
                plan.case_id = case_id

    def _follow_up(self, plan: Plan) -> tuple[bool, int]:
        rng = self.rng
        if plan.kind == "abandoned":
            return rng.random() < 0.65, rng.between(180, 7200)
        if plan.kind == "bot":
            return (plan.status != "resolved" and rng.random() < 0.6), rng.between(300, 10_800)
        if plan.kind != "handled":
            return False, 0
        chance = {"resolved": 0.06, "unresolved": 0.55, "transferred": 0.35}[plan.status]
        if plan.status == "transferred" and plan.transfer_continues:
            chance = 0.12
        if plan.when_q and not plan.specific:
            chance += 0.15
        if plan.promise:
            chance += 0.1
        if plan.rude:
            chance += 0.1
        delay = int((0.25 + min(6.2, rng.expovariate(1 / 1.3))) * DAY)
        return rng.random() < chance, delay

    def _pick_agent(self, lang: str, channel: str, ts: int, avoid: Agent | None = None) -> Agent:
        pool, cum = self.agent_pools[(lang, channel)]
        rng = self.rng
        for _ in range(8):
            agent = pool[bisect.bisect_right(cum, rng.random() * cum[-1])]
            if self.hired_at[agent.id] <= ts and agent is not avoid:
                return agent
        hired = [a for a in pool if self.hired_at[a.id] <= ts and a is not avoid]
        return rng.pick(hired or [a for a in self.agents if a.lang == lang and a is not avoid])

    def _wait(self, channel: str, incident: bool) -> int:
        median, sigma = WAIT.get(channel, (15.0, 0.8))
        if incident:
            median *= 2.2
        return max(2, int(median * self.rng.lognormal(0.0, sigma)))

    def _contact(
        self,
        customer: Customer,
        episode: Episode,
        channel: str,
        topic: str,
        arrive: int,
        previous: Plan | None,
    ) -> Plan:
        rng = self.rng
        lang = customer.lang
        plan = Plan(
            seq=next(self.seq),
            customer=customer,
            episode=episode,
            channel=channel,
            kind="handled",
            arrive=arrive,
            start=arrive,
            topic=topic,
        )
        plan.repeat_of = previous.arrive if previous is not None else None
        plan.show_lang = rng.random() >= 0.1
        plan.name_known = rng.random() < (0.6 if channel == "social" else 0.9)
        if customer.vip:
            plan.tags.append("vip")
        negative = NEGATIVE_RATE[topic] + (0.35 if previous is not None else 0.0)
        incident = self._in_incident(arrive)
        if incident and topic == "delivery":
            negative += 0.25
        plan.negative = rng.random() < negative
        if topic == "complaint":
            plan.tags.append("complaint")

        abandon = ABANDON_RATE.get(channel, 0.0) * (1.8 if incident else 1.0)
        if rng.random() < abandon:
            plan.kind = "abandoned"
            plan.status = "abandoned"
            plan.start = arrive + max(8, int(rng.lognormal(4.3, 0.7)))
            self._fit(plan)
            plan.bot_intro = channel != "call" and rng.random() < 0.4
            return plan
        if channel == "self_service":
            plan.kind = "bot"
            plan.start = arrive
            plan.status = "resolved" if rng.random() < 0.62 else "unresolved"
            plan.survey = survey_answers(self.rng, plan)
            return plan

        agent = self._pick_agent(lang, channel, arrive)
        plan.agent = agent
        if channel == "email":
            plan.start = self._email_reply_time(arrive, agent, plan)
        else:
            plan.start = arrive + self._wait(channel, incident)
        plan.bot_intro = channel in ("chat", "app", "messenger") and rng.random() < 0.4
        if plan.bot_intro:
            # talking to the bot first takes a while before an agent can take over
            plan.start = max(plan.start, arrive + rng.between(25, 70))
        self._fit(plan)
        self._habits(plan, agent, topic)
        self._outcome(plan, agent, topic, arrive)
        plan.survey = survey_answers(self.rng, plan)
        return plan

    def _habits(self, plan: Plan, agent: Agent, topic: str) -> None:
        """Which of the agent's good and bad habits show in this contact."""
        rng = self.rng
        profile = agent.profile
        plan.greet = rng.random() < profile.greet
        plan.intro = rng.random() < profile.introduce
        plan.use_name = plan.name_known and rng.random() < profile.use_name
        plan.ask = rng.random() < profile.ask
        plan.empathy = rng.random() < profile.empathy
        plan.when_q = rng.random() < WHEN_RATE[topic]
        plan.specific = rng.random() < profile.specific
        plan.rude = rng.random() < profile.rude * (2.2 if plan.negative else 0.6)
        plan.thanks = rng.random() < profile.thanks
        plan.more_help = rng.random() < profile.more_help
        plan.rating = rng.random() < profile.rating
        plan.hold_announced = rng.random() < profile.hold_announce
        plan.long_hold = rng.random() < 0.5
        plan.slow = rng.random() < profile.slow
        plan.upsell = not plan.negative and rng.random() < profile.upsell
        plan.interrupt = profile.interrupt

    def _outcome(self, plan: Plan, agent: Agent, topic: str, arrive: int) -> None:
        """Solved, not solved or transferred; a promise to call back; a complaint."""
        rng = self.rng
        channel = plan.channel
        resolve = agent.profile.resolve + RESOLVE_SHIFT[topic] - (0.08 if plan.rude else 0.0)
        roll = rng.random()
        if roll < resolve:
            plan.status = "resolved"
        elif roll < resolve + (1 - resolve) * 0.62:
            plan.status = "unresolved"
        else:
            plan.status = "transferred"
            plan.transfer_to = self._transfer_target(agent, channel, arrive)
            plan.transfer_continues = channel != "email" and rng.random() < 0.6
            plan.tags.append("escalation")
        promise_rate = 0.3 if plan.status == "unresolved" else 0.05
        plan.promise = channel in ("call", "chat", "messenger", "app") and rng.random() < (
            promise_rate
        )
        if topic != "complaint" and plan.negative and rng.random() < 0.06:
            plan.escalated = True
            plan.tags.append("complaint")

    def _fit(self, plan: Plan) -> None:
        """Move a contact that would start after the period back into its last hour."""
        latest = self.period_end - 60
        if plan.start > latest:
            shift = plan.start - latest + self.rng.below(1800)
            plan.arrive -= shift
            plan.start -= shift

    def _transfer_target(self, agent: Agent, channel: str, ts: int) -> Agent:
        if agent.lang == "ru":
            pool = [a for a in self.agents if a.team == TEAM_2 and a is not agent]
            return self.rng.pick(pool)
        return self._pick_agent("en", channel, ts, avoid=agent)

    def _email_reply_time(self, arrive: int, agent: Agent, plan: Plan) -> int:
        rng = self.rng
        local = self.clock.seconds_of_day(arrive)
        opens = 9 * 3600
        if local < opens:
            ready = arrive - local + opens + rng.below(2400)
        elif local >= 21 * 3600:
            ready = arrive - local + DAY + opens + rng.below(2400)
        else:
            ready = arrive
        delay = agent.profile.reply * 300 * (3.0 if plan.slow else 1.0)
        return ready + int(delay * rng.lognormal(0.0, 0.6)) + 60

    def _callback(self, plan: Plan) -> Plan | None:
        rng = self.rng
        start = plan.start + rng.between(5400, 21_600)
        local = self.clock.seconds_of_day(start)
        if local >= 21 * 3600:
            start = start - local + DAY + 9 * 3600 + rng.below(5400)
        elif local < 9 * 3600:
            start = start - local + 9 * 3600 + rng.below(5400)
        if start >= self.period_end:
            return None
        if plan.agent is None:
            return None
        callback = self._outbound(plan.customer, plan.episode, plan.topic, start, plan.agent)
        callback.repeat_of = plan.arrive
        callback.tags.append("callback")
        return callback

    def _proactive(self, customer: Customer, episode: Episode, day: int) -> Plan:
        start = self._pick_time("call", day)
        agent = self._pick_agent(customer.lang, "call", start)
        plan = self._outbound(customer, episode, "delivery", start, agent)
        if plan.kind != "no_answer":
            plan.kind = "proactive"
        plan.tags.append("proactive")
        return plan

    def _outbound(
        self, customer: Customer, episode: Episode, topic: str, start: int, agent: Agent
    ) -> Plan:
        rng = self.rng
        profile = agent.profile
        plan = Plan(
            seq=next(self.seq),
            customer=customer,
            episode=episode,
            channel="call",
            kind="callback",
            arrive=start,
            start=start,
            topic=topic,
            agent=agent,
        )
        plan.show_lang = rng.random() >= 0.1
        if rng.random() < 0.12:
            plan.kind = "no_answer"
            plan.status = "unresolved"
            return plan
        plan.use_name = rng.random() < profile.use_name
        plan.thanks = rng.random() < profile.thanks
        plan.more_help = rng.random() < profile.more_help
        plan.rating = rng.random() < profile.rating * 0.5
        plan.specific = rng.random() < profile.specific
        plan.interrupt = profile.interrupt
        plan.survey = survey_answers(self.rng, plan)
        return plan

    # ---------------------------------------------------------------- prices

    def _price(self, basket: float) -> int:
        return price_tag(basket * self.rng.lognormal(0.0, 0.45))
