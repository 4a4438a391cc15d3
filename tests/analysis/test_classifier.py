"""The text model: learns reasons from labelled conversations, kept as JSON, abstains if unsure."""

from __future__ import annotations

from kontrol.analysis.classifier import MIN_SAMPLES, ReasonModel, train_model

TEXTS = {
    "delivery": [
        "Где мой заказ, курьер не приехал",
        "Когда привезут посылку?",
        "Заказ не доставили вовремя",
        "Where is my parcel, it has not arrived",
        "The courier never came",
        "Посылка застряла на пункте выдачи",
        "My order still has not been delivered",
        "Курьер опаздывает уже на два часа",
    ],
    "refund": [
        "Верните деньги за заказ",
        "Хочу оформить возврат товара",
        "Деньги так и не вернули",
        "I want my money back",
        "Please refund my order",
        "Как вернуть товар и получить деньги?",
        "Refund has not arrived yet",
        "Возврат средств задерживается",
    ],
    "account": [
        "Не могу войти в личный кабинет",
        "Забыл пароль от аккаунта",
        "I cannot log in to my account",
        "Reset my password please",
        "Не приходит код для входа",
        "My account is locked",
        "Аккаунт заблокирован, помогите",
        "Сменить почту в профиле",
    ],
}


def _data() -> tuple[list[str], list[str]]:
    texts = [t for values in TEXTS.values() for t in values]
    labels = [label for label, values in TEXTS.items() for _ in values]
    return texts, labels


def test_too_few_examples_learn_nothing() -> None:
    texts, labels = _data()
    assert train_model(texts[: MIN_SAMPLES - 1], labels[: MIN_SAMPLES - 1]) is None
    assert train_model(TEXTS["refund"] * 5, ["refund"] * 40) is None


def test_model_learns_reasons_and_survives_json() -> None:
    texts, labels = _data()
    model = train_model(texts, labels)
    assert model is not None and model.accuracy is not None
    again = ReasonModel.from_json(model.to_json())
    guesses = again.predict(["курьер так и не привёз посылку", "please refund the money"])
    assert [code for code, _ in guesses] == ["delivery", "refund"]
    assert again.samples == len(texts)


def test_model_abstains_on_text_it_knows_nothing_about() -> None:
    texts, labels = _data()
    model = train_model(texts, labels)
    assert model is not None
    ((code, probability),) = model.predict(["zzzz qqqq"])
    assert code is None and probability < 0.5
