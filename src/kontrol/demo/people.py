"""Agents with their quality profiles, and the names customers are made of."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Profile:
    """How an agent tends to behave: each field is the chance of the good habit
    (or, for ``rude``, ``interrupt``, ``typo`` and ``slow``, of the bad one)."""

    greet: float
    introduce: float
    use_name: float
    ask: float
    empathy: float
    specific: float
    rude: float
    thanks: float
    more_help: float
    rating: float
    hold_announce: float
    interrupt: float
    typo: float
    slow: float
    resolve: float
    keep_promise: float
    upsell: float
    mood: float
    """Shift of the customer's rating, in CSAT points."""
    speed: float
    """Multiplier of talk and handle time."""
    wrap: float
    """Median after-contact work, seconds."""
    reply: float
    """Median reply time in a web chat, seconds."""
    no_yo: bool
    """Writes "е" for "ё"."""
    careless: bool = False
    """Habitually misspells common words ("здраствуйте")."""


STAR = Profile(
    greet=0.98, introduce=0.95, use_name=0.9, ask=0.97, empathy=0.92, specific=0.93, rude=0.0,
    thanks=0.95, more_help=0.95, rating=0.8, hold_announce=0.97, interrupt=0.02, typo=0.02,
    slow=0.03, resolve=0.9, keep_promise=0.97, upsell=0.15, mood=0.45, speed=0.9, wrap=35,
    reply=16, no_yo=False,
)  # fmt: skip
SOLID = Profile(
    greet=0.92, introduce=0.82, use_name=0.65, ask=0.9, empathy=0.65, specific=0.78, rude=0.004,
    thanks=0.82, more_help=0.8, rating=0.5, hold_announce=0.85, interrupt=0.06, typo=0.05,
    slow=0.08, resolve=0.82, keep_promise=0.85, upsell=0.06, mood=0.05, speed=1.0, wrap=55,
    reply=25, no_yo=False,
)  # fmt: skip
RUDE = Profile(
    greet=0.72, introduce=0.45, use_name=0.2, ask=0.55, empathy=0.12, specific=0.5, rude=0.16,
    thanks=0.4, more_help=0.3, rating=0.12, hold_announce=0.35, interrupt=0.32, typo=0.14,
    slow=0.1, resolve=0.66, keep_promise=0.45, upsell=0.0, mood=-0.95, speed=0.7, wrap=20,
    reply=20, no_yo=True, careless=True,
)  # fmt: skip
NEWBIE = Profile(
    greet=0.35, introduce=0.5, use_name=0.45, ask=0.8, empathy=0.55, specific=0.55, rude=0.005,
    thanks=0.7, more_help=0.6, rating=0.35, hold_announce=0.6, interrupt=0.08, typo=0.12,
    slow=0.3, resolve=0.66, keep_promise=0.75, upsell=0.02, mood=-0.3, speed=1.35, wrap=120,
    reply=38, no_yo=True, careless=True,
)  # fmt: skip
SLOW = Profile(
    greet=0.9, introduce=0.8, use_name=0.6, ask=0.88, empathy=0.6, specific=0.75, rude=0.01,
    thanks=0.85, more_help=0.8, rating=0.5, hold_announce=0.75, interrupt=0.05, typo=0.04,
    slow=0.65, resolve=0.78, keep_promise=0.8, upsell=0.03, mood=-0.35, speed=1.5, wrap=160,
    reply=45, no_yo=False,
)  # fmt: skip
VAGUE = Profile(
    greet=0.93, introduce=0.85, use_name=0.7, ask=0.85, empathy=0.7, specific=0.28, rude=0.01,
    thanks=0.9, more_help=0.88, rating=0.6, hold_announce=0.85, interrupt=0.05, typo=0.05,
    slow=0.1, resolve=0.7, keep_promise=0.7, upsell=0.05, mood=-0.25, speed=1.05, wrap=60,
    reply=26, no_yo=False,
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Agent:
    """A demo agent: who they are, where they work and how they work."""

    id: str
    name: str
    first: str
    female: bool
    team: str
    lang: str
    hired_days_before_end: int
    hourly_cost: int
    load: float
    """Relative share of contacts."""
    channels: Mapping[str, float]
    profile: Profile


_FIRST_LINE = {"call": 1.0, "chat": 1.0, "messenger": 0.8, "app": 1.0, "social": 0.3,
               "email": 0.2, "visit": 0.0}  # fmt: skip
_SECOND_LINE = {"call": 0.4, "chat": 0.6, "messenger": 0.8, "app": 0.5, "social": 1.0,
                "email": 1.0, "visit": 1.0}  # fmt: skip
_EN_DESK = {"call": 1.0, "chat": 1.0, "messenger": 1.0, "app": 1.0, "social": 1.0,
            "email": 1.0, "visit": 1.0}  # fmt: skip

TEAM_1 = "Линия 1"
TEAM_2 = "Линия 2"
TEAM_EN = "EN Desk"
TEAM_CHAT = "Чаты и соцсети"

AGENTS: tuple[Agent, ...] = (
    Agent("a01", "Анна Смирнова", "Анна", True, TEAM_1, "ru", 1150, 520, 1.1, _FIRST_LINE, STAR),
    Agent("a02", "Дмитрий Козлов", "Дмитрий", False, TEAM_1, "ru", 640, 470, 1.0, _FIRST_LINE,
          SOLID),
    Agent("a03", "Игорь Волков", "Игорь", False, TEAM_1, "ru", 410, 450, 1.15, _FIRST_LINE,
          RUDE),
    Agent("a04", "Мария Лебедева", "Мария", True, TEAM_1, "ru", 38, 380, 0.8, _FIRST_LINE,
          NEWBIE),
    Agent("a05", "Елена Попова", "Елена", True, TEAM_2, "ru", 900, 560, 1.0, _SECOND_LINE,
          SOLID),
    Agent("a06", "Сергей Новиков", "Сергей", False, TEAM_2, "ru", 1500, 540, 0.9,
          _SECOND_LINE, SLOW),
    Agent("a07", "Ольга Морозова", "Ольга", True, TEAM_2, "ru", 300, 500, 1.0, _SECOND_LINE,
          VAGUE),
    Agent("a08", "Emily Carter", "Emily", True, TEAM_EN, "en", 820, 650, 1.1, _EN_DESK, STAR),
    Agent("a09", "James Miller", "James", False, TEAM_EN, "en", 1020, 610, 1.0, _EN_DESK, SLOW),
    Agent("a10", "Daniel Brooks", "Daniel", False, TEAM_EN, "en", 260, 590, 1.0, _EN_DESK,
          RUDE),
)  # fmt: skip

_TEXT_DESK = {"call": 0.05, "chat": 1.0, "messenger": 1.0, "app": 1.0, "social": 1.0,
              "email": 0.4, "visit": 0.0}  # fmt: skip

# The 60-seat centre (``kontrol demo``'s default size): the ten agents above and twenty
# more, two shifts on about thirty workplaces. Mostly solid people, a few stars, a few
# to coach, new hires in each team, so every team lead has someone to talk to.
CENTRE_AGENTS: tuple[Agent, ...] = AGENTS + (
    Agent("a11", "Татьяна Фёдорова", "Татьяна", True, TEAM_1, "ru", 980, 480, 1.0,
          _FIRST_LINE, SOLID),
    Agent("a12", "Алексей Соколов", "Алексей", False, TEAM_1, "ru", 720, 470, 1.05,
          _FIRST_LINE, SOLID),
    Agent("a13", "Юлия Никитина", "Юлия", True, TEAM_1, "ru", 1300, 530, 1.0, _FIRST_LINE,
          STAR),
    Agent("a14", "Роман Голубев", "Роман", False, TEAM_1, "ru", 210, 430, 1.0, _FIRST_LINE,
          VAGUE),
    Agent("a15", "Дарья Павлова", "Дарья", True, TEAM_1, "ru", 95, 390, 0.85, _FIRST_LINE,
          NEWBIE),
    Agent("a16", "Максим Орлов", "Максим", False, TEAM_1, "ru", 560, 460, 1.1, _FIRST_LINE,
          SOLID),
    Agent("a17", "Светлана Виноградова", "Светлана", True, TEAM_1, "ru", 450, 460, 1.0,
          _FIRST_LINE, SLOW),
    Agent("a18", "Николай Богданов", "Николай", False, TEAM_1, "ru", 330, 450, 1.0,
          _FIRST_LINE, SOLID),
    Agent("a19", "Екатерина Михайлова", "Екатерина", True, TEAM_2, "ru", 1100, 570, 1.0,
          _SECOND_LINE, STAR),
    Agent("a20", "Андрей Васильев", "Андрей", False, TEAM_2, "ru", 800, 550, 1.0,
          _SECOND_LINE, SOLID),
    Agent("a21", "Наталья Семёнова", "Наталья", True, TEAM_2, "ru", 620, 540, 0.95,
          _SECOND_LINE, SOLID),
    Agent("a22", "Павел Зуев", "Павел", False, TEAM_2, "ru", 150, 480, 0.9, _SECOND_LINE,
          NEWBIE),
    Agent("a23", "Ксения Белова", "Ксения", True, TEAM_CHAT, "ru", 700, 450, 1.1, _TEXT_DESK,
          STAR),
    Agent("a24", "Артём Кузнецов", "Артём", False, TEAM_CHAT, "ru", 520, 430, 1.1,
          _TEXT_DESK, SOLID),
    Agent("a25", "Алина Петрова", "Алина", True, TEAM_CHAT, "ru", 380, 430, 1.0, _TEXT_DESK,
          SOLID),
    Agent("a26", "Егор Зайцев", "Егор", False, TEAM_CHAT, "ru", 260, 420, 1.05, _TEXT_DESK,
          RUDE),
    Agent("a27", "Вера Голубева", "Вера", True, TEAM_CHAT, "ru", 60, 380, 0.8, _TEXT_DESK,
          NEWBIE),
    Agent("a28", "Денис Никитин", "Денис", False, TEAM_CHAT, "ru", 900, 450, 1.0, _TEXT_DESK,
          VAGUE),
    Agent("a29", "Sophie Hughes", "Sophie", True, TEAM_EN, "en", 480, 620, 1.0, _EN_DESK,
          SOLID),
    Agent("a30", "Mark Baker", "Mark", False, TEAM_EN, "en", 120, 560, 0.9, _EN_DESK,
          NEWBIE),
)  # fmt: skip

# (first name, female, Latin spelling for e-mail handles)
RU_FIRST: tuple[tuple[str, bool, str], ...] = (
    ("Иван", False, "ivan"), ("Алексей", False, "alexey"), ("Сергей", False, "sergey"),
    ("Андрей", False, "andrey"), ("Дмитрий", False, "dima"), ("Михаил", False, "mikhail"),
    ("Павел", False, "pavel"), ("Николай", False, "nikolay"), ("Артём", False, "artem"),
    ("Олег", False, "oleg"), ("Виктор", False, "viktor"), ("Роман", False, "roman"),
    ("Максим", False, "maxim"), ("Егор", False, "egor"), ("Константин", False, "kostya"),
    ("Денис", False, "denis"), ("Мария", True, "maria"), ("Елена", True, "elena"),
    ("Ольга", True, "olga"), ("Наталья", True, "natalia"), ("Татьяна", True, "tanya"),
    ("Ирина", True, "irina"), ("Светлана", True, "sveta"), ("Юлия", True, "yulia"),
    ("Анастасия", True, "nastya"), ("Екатерина", True, "katya"), ("Дарья", True, "dasha"),
    ("Ксения", True, "ksenia"), ("Алина", True, "alina"), ("Вера", True, "vera"),
    ("Людмила", True, "lyuda"), ("Галина", True, "galina"),
)  # fmt: skip
# (masculine, feminine, Latin)
RU_LAST: tuple[tuple[str, str, str], ...] = (
    ("Петров", "Петрова", "petrov"), ("Соколов", "Соколова", "sokolov"),
    ("Кузнецов", "Кузнецова", "kuznetsov"), ("Васильев", "Васильева", "vasiliev"),
    ("Зайцев", "Зайцева", "zaytsev"), ("Павлов", "Павлова", "pavlov"),
    ("Семёнов", "Семёнова", "semenov"), ("Голубев", "Голубева", "golubev"),
    ("Виноградов", "Виноградова", "vinogradov"), ("Богданов", "Богданова", "bogdanov"),
    ("Фёдоров", "Фёдорова", "fedorov"), ("Михайлов", "Михайлова", "mikhaylov"),
    ("Орлов", "Орлова", "orlov"), ("Никитин", "Никитина", "nikitin"),
)  # fmt: skip
EN_FIRST: tuple[tuple[str, bool, str], ...] = (
    ("James", False, "james"), ("Michael", False, "mike"), ("David", False, "david"),
    ("Robert", False, "rob"), ("Thomas", False, "tom"), ("Daniel", False, "dan"),
    ("Mark", False, "mark"), ("Paul", False, "paul"), ("Steven", False, "steve"),
    ("Kevin", False, "kevin"), ("Ahmed", False, "ahmed"), ("Lukas", False, "lukas"),
    ("Sarah", True, "sarah"), ("Emma", True, "emma"), ("Laura", True, "laura"),
    ("Jessica", True, "jess"), ("Rachel", True, "rachel"), ("Olivia", True, "olivia"),
    ("Sophie", True, "sophie"), ("Hannah", True, "hannah"), ("Kate", True, "kate"),
    ("Megan", True, "megan"), ("Priya", True, "priya"), ("Anna", True, "anna"),
)  # fmt: skip
EN_LAST: tuple[str, ...] = (
    "Smith", "Johnson", "Brown", "Taylor", "Wilson", "Clark", "Walker", "Hall", "Young",
    "King", "Wright", "Green", "Baker", "Hughes", "Patel", "Schmidt",
)  # fmt: skip
MAIL_DOMAINS: Mapping[str, tuple[str, ...]] = {
    "ru": ("mail.ru", "yandex.ru", "gmail.com", "bk.ru", "inbox.ru"),
    "en": ("gmail.com", "outlook.com", "yahoo.com", "proton.me"),
}
