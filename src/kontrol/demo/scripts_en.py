"""English conversation material for the demo generator."""

from __future__ import annotations

from datetime import date

from kontrol.demo.phrasebook import Phrasebook, Scenario

_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def _date_phrase(day: date, ahead: int, variant: int) -> tuple[str, str]:
    bare = f"{_MONTHS[day.month - 1]} {day.day}"
    if ahead == 1 and variant % 2 == 0:
        return ("tomorrow" if variant % 4 == 0 else f"tomorrow ({bare})"), bare
    if variant % 3 == 0:
        return f"on {bare}", bare
    return f"on {_WEEKDAYS[day.weekday()]}, {bare}", bare


def _prev_phrase(days_ago: int) -> str:
    if days_ago <= 0:
        return "earlier today"
    if days_ago == 1:
        return "yesterday"
    return f"{days_ago} days ago"


def _money(amount: int) -> str:
    return f"{amount:,} RUB"


_ORDER_NEED = (
    "Could you give me your order number, please?",
    "What's the order number? I'll check right away.",
    "Can you share the order number or the phone number it was placed with?",
)
_ORDER_DETAILS = (
    "Order number {order}.",
    "{order}",
    "It's {order}, I ordered last week.",
    "Here it is: {order}. My phone is +7 {phone}.",
    "order {order}",
)
_ACCOUNT_NEED = (
    "Could you tell me the phone number linked to the account?",
    "What email or phone do you use to sign in?",
)
_ACCOUNT_DETAILS = ("+7 {phone}", "Email {email}", "Phone +7 {phone}, email {email}.")

_DELIVERY = (
    Scenario(
        opening=(
            "Hi, where is my order {order}?",
            "Hello. My order was supposed to arrive yesterday but it's still not here.",
            "Hello! I'd like to check the delivery status of my order.",
            "Hi, the app has said 'handed over for delivery' for three days now.",
            "Good afternoon, could you tell me when my order will arrive?",
        ),
        opening_negative=(
            "How much longer do I have to wait?! My order is four days late!",
            "Third time writing: WHERE IS MY ORDER???",
            "Did you lose my order? I'm really disappointed.",
        ),
        intent=("Where is my order", "Delivery status", "delivery"),
        need=_ORDER_NEED,
        details=_ORDER_DETAILS,
        findings=(
            "I've checked: order {order} is with the courier service and is at the sorting"
            " centre in {city}.",
            "I can see order {order}. It was delayed at the warehouse due to high volume, it's"
            " now packed and with the courier.",
            "Order {order} is on its way, last scan at the sorting centre in {city}.",
        ),
        done=(
            "I've marked your order as a priority.",
            "I've added 300 bonus points to your account for the delay.",
        ),
        when=(
            "When will it arrive?",
            "So when will it be delivered?",
            "Where is it now and when will it get here?",
        ),
        specific=(
            "The courier will deliver it {date} {window}, you'll get a text with the exact time"
            " in the morning.",
            "Delivery is scheduled for {dd}, {window}.",
            "We'll bring it {date} {window}, the courier will call an hour before.",
        ),
        bot_answer=(
            "Order {order} is out for delivery. The courier will bring it {date} {window}.",
            "Order {order} is expected {date}. We'll text you the time slot the day before.",
        ),
        proactive=(
            "I'm calling to let you know that delivery of order {order} has moved to {dd},"
            " {window}. We apologise for the inconvenience.",
        ),
    ),
    Scenario(
        opening=(
            "The courier didn't show up in the time slot. What happened?",
            "Hi, I got a text saying my delivery was rescheduled, but I didn't ask for that.",
        ),
        opening_negative=(
            "This is ridiculous, the courier never came and I stayed home all day!",
            "Terrible delivery. Promised yesterday, nothing today, and the courier won't pick up.",
        ),
        intent=("Courier didn't come", "delivery"),
        need=_ORDER_NEED,
        details=_ORDER_DETAILS,
        findings=(
            "For order {order}, the courier couldn't reach you, so the delivery was rescheduled.",
            "I see the van for order {order} was delayed on the road.",
        ),
        done=(
            "I've booked a new delivery free of charge.",
            "I've asked the courier to call you an hour before arrival.",
        ),
        when=("So when should I expect the courier now?", "When will it come now?"),
        specific=(
            "The new delivery is {date} {window}.",
            "The courier will come {date} {window} and call an hour ahead.",
        ),
        bot_answer=("Delivery of order {order} was moved to {dd}, {window}.",),
        proactive=("I'm calling to apologise: we'll deliver order {order} {date} {window}.",),
    ),
    Scenario(
        opening=(
            "I got a text saying my order was delivered, but I haven't received anything.",
            "Hi, order {order} shows as delivered but I don't have it.",
        ),
        opening_negative=("You say 'delivered' but I got NOTHING. Is this a scam?",),
        intent=("Marked as delivered", "didn't receive order"),
        need=_ORDER_NEED,
        details=_ORDER_DETAILS,
        findings=(
            "I see the courier marked order {order} as delivered by mistake, it's still with him.",
            "Order {order} was marked delivered in error, it's at our warehouse in {city}.",
        ),
        done=(
            "I've opened an investigation and asked the courier service for proof of delivery.",
            "I've put the order back in delivery and booked a new slot.",
        ),
        when=("When will you sort this out?", "So when do I get it?"),
        specific=(
            "The courier service will reply by {dd} and we'll text you right away.",
            "The courier will bring it {date} {window}.",
        ),
        bot_answer=("Order {order} is marked as delivered. If you didn't get it, type 'agent'.",),
        proactive=("I'm calling about order {order}: we found it and will deliver it {date}.",),
    ),
)

_REFUND = (
    Scenario(
        opening=(
            "Hi, I requested a refund but haven't received the money yet.",
            "Hello! I have a question about the refund for order {order}.",
        ),
        opening_negative=(
            "I've been waiting two weeks for my refund! Is this normal?",
            "Are you going to refund me or not?!",
        ),
        intent=("Refund", "Where is my refund"),
        need=("Could you give me the order number, please?", "Which order is the refund for?"),
        details=("Order {order}, paid by card.", "{order}", "Order {order}, card ending {card}."),
        findings=(
            "I can see the return request for order {order}, it has been approved.",
            "I've checked: the money for order {order} has been sent to your bank, {amount}.",
        ),
        done=(
            "I've escalated the check so your request is handled first.",
            "I've emailed you a refund confirmation.",
        ),
        when=(
            "When will I get my money back?",
            "How long does the refund take?",
            "When will the money be on my card?",
        ),
        specific=(
            "The money will be on your card by {dd}, usually it takes 3-5 business days.",
            "The refund of {amount} goes out today, you'll have it by {dd}.",
        ),
        bot_answer=("The refund for order {order} is approved. The money will arrive by {dd}.",),
        proactive=("I'm calling to confirm the refund for order {order}, you'll have it by {dd}.",),
    ),
    Scenario(
        opening=(
            "I want to return an item, how do I do that?",
            "Hi, the {product} isn't what I expected, can I return it?",
        ),
        opening_negative=("The pickup point refused to take my return, why?!",),
        intent=("Return an item",),
        need=_ORDER_NEED,
        details=_ORDER_DETAILS,
        findings=(
            "You can return items within 14 days if they're unused, and you're still within"
            " that period.",
            "Order {order} is eligible for a return.",
        ),
        done=(
            "I've created a return request, a courier will pick the item up.",
            "I've emailed you the return instructions.",
        ),
        when=("When will the courier pick it up?", "When will they collect it?"),
        specific=(
            "The courier will come for it {date} {window}.",
            "We'll collect it {date} {window}, the courier will call first.",
        ),
        bot_answer=("You can start a return in 'My orders' within 14 days.",),
        proactive=("I'm calling to confirm the courier will collect your return {date}.",),
    ),
)

_PAYMENT = (
    Scenario(
        opening=(
            "Hi, I was charged twice for my order.",
            "Hello, order {order} was charged twice.",
        ),
        opening_negative=("You charged me TWICE!! Refund it immediately.",),
        intent=("Double charge",),
        need=(
            "Could you give me the order number, please?",
            "What's the order number and the last 4 digits of the card?",
        ),
        details=("Order {order}, card ending {card}.", "{order}", "Order {order}, {amount} twice."),
        findings=(
            "I see the payment for order {order} went through twice, the second one will be"
            " reversed.",
        ),
        done=("I've cancelled the duplicate charge.",),
        when=("When will I get the money back?", "How long until it's reversed?"),
        specific=(
            "The bank will return the second payment by {dd}.",
            "The charge will be reversed within 3 business days, by {dd}.",
        ),
        bot_answer=("The duplicate charge for order {order} will be reversed by {dd}.",),
        proactive=("I'm calling to confirm the duplicate charge will be back by {dd}.",),
    ),
    Scenario(
        opening=(
            "My card payment keeps failing, what should I do?",
            "Hi, it says 'payment declined'.",
        ),
        opening_negative=("I've been trying to pay for an hour, nothing works, this is absurd.",),
        intent=("Payment failed", "payment"),
        need=("What error do you see when paying?", "Could you give me the order number?"),
        details=("It says 'payment declined'. Order {order}.", "{order}"),
        findings=(
            "The payment was blocked by your bank, so the order isn't paid yet.",
            "Your bank declined the 3-D Secure check.",
        ),
        done=(
            "I've sent you a new payment link by text.",
            "I've switched the order to payment on delivery.",
        ),
        when=("How long is the link valid?", "How long will the order wait for payment?"),
        specific=(
            "The link is valid for 24 hours, your order is reserved until {dd}.",
            "The order is reserved until {dd}.",
        ),
        bot_answer=("A payment link for order {order} has been sent by text.",),
        proactive=("I'm calling about order {order}: the payment failed, I've texted a new link.",),
    ),
    Scenario(
        opening=(
            "I paid for the order but the app still says it's unpaid.",
            "Hi, the money left my account but the order says 'awaiting payment'.",
        ),
        opening_negative=("The money is gone and the order says unpaid! Where is my money?!",),
        intent=("Paid but unpaid", "payment"),
        need=_ORDER_NEED,
        details=_ORDER_DETAILS,
        findings=(
            "Payment for order {order} has arrived, the app will update within an hour.",
            "The payment of {amount} for order {order} is still pending at the bank.",
        ),
        done=("I've updated the order status manually.",),
        when=("When will the status update?",),
        specific=(
            "The status will update today by {time}, we'll text you as soon as it's confirmed.",
        ),
        bot_answer=("Payment for order {order} received. The receipt was sent to your email.",),
        proactive=("I'm calling to confirm we've received payment for order {order}.",),
    ),
)

_ACCOUNT = (
    Scenario(
        opening=("I can't log in to my account.", "Hi, it says my account is locked."),
        opening_negative=("You blocked my account without any explanation, what is this?",),
        intent=("Can't log in", "Account locked"),
        need=_ACCOUNT_NEED,
        details=_ACCOUNT_DETAILS,
        findings=("The account was temporarily locked after several failed login attempts.",),
        done=("I've unlocked your account.", "I've sent a password reset link to your email."),
        when=("When can I log in?", "How long until it's unlocked?"),
        specific=(
            "Access will be restored within 15 minutes, we'll text you as soon as it's unlocked.",
            "Everything will work today by {time}, I'll email you a confirmation.",
        ),
        bot_answer=("A password reset link has been sent to the email linked to your account.",),
        proactive=("I'm calling to let you know your account is unlocked.",),
    ),
    Scenario(
        opening=("The verification code never arrives.", "Hi, I'm not getting the login code."),
        opening_negative=("Third day I can't log in, the code never comes, this is unacceptable!",),
        intent=("Code not arriving",),
        need=_ACCOUNT_NEED,
        details=_ACCOUNT_DETAILS,
        findings=(
            "The code wasn't delivered because of an SMS provider outage, it's working now.",
            "I can see an old phone number is linked to the account.",
        ),
        done=("I've updated the phone number on your profile.", "I've resent the code."),
        when=("When will the code come?", "How long should I wait for it?"),
        specific=(
            "It will arrive within 5 minutes, if not, we'll email it to {email}.",
            "Within 2-3 minutes, enter it in the app as soon as it arrives.",
        ),
        bot_answer=("The code has been resent. If it doesn't arrive in 5 minutes, type 'agent'.",),
        proactive=("I'm calling to confirm I've changed the phone number on your account.",),
    ),
    Scenario(
        opening=(
            "Hi, I didn't get bonus points for my last order.",
            "Where are the points for order {order}?",
        ),
        opening_negative=("Where did my bonus points go?! I had 2000, now it's 0.",),
        intent=("Bonus points",),
        need=_ORDER_NEED,
        details=_ORDER_DETAILS,
        findings=("The points for order {order} weren't added because of a technical glitch.",),
        done=("I've added the points manually.", "I've added the points plus 200 extra."),
        when=("When will the points show up?",),
        specific=("The points will appear within the hour, by {time}.",),
        bot_answer=("Points for order {order} are added 14 days after delivery.",),
        proactive=("I'm calling to let you know we've added your points for order {order}.",),
    ),
)

_PRODUCT = (
    Scenario(
        opening=("Is the {product} in stock?", "Hi, will the {product} be back in stock?"),
        opening_negative=(
            "Third time I check and the {product} is still out of stock. Seriously?",
        ),
        intent=("In stock?", "Product question"),
        need=("Which colour are you interested in?", "Could you send me the product link?"),
        details=("Black.", "This one: {product}, it's in my cart.", "White if you have it."),
        findings=(
            "The {product} is out of stock at the moment.",
            "The {product} is in our Moscow warehouse, but not yet available for your city.",
        ),
        done=("I've subscribed you to a back-in-stock notification.",),
        when=("When will it be back in stock?", "When is the next delivery?"),
        specific=(
            "It's expected back {date}, we'll notify you as soon as it's available.",
            "The next shipment is due {dd}, we'll email you the same day.",
        ),
        bot_answer=("{product}: expected back {dd}.",),
        proactive=("I'm calling to let you know the {product} is back in stock.",),
    ),
    Scenario(
        opening=(
            "Hi, the {product} makes a loud noise, I bought it a month ago. Is that covered?",
            "My {product} stopped working properly, what should I do?",
        ),
        opening_negative=(
            "I bought the {product} and it broke after a week. Very disappointed.",
            "Your {product} won't even turn on, I'm shocked by the quality.",
        ),
        intent=("Faulty item", "Warranty"),
        need=("Could you give me the order number?", "When and where did you buy it?"),
        details=("Order {order}, bought last month.", "{order}", "On your website, order {order}."),
        findings=(
            "This is covered by the warranty, the item can be exchanged.",
            "The {product} has a 12-month warranty and your case is covered.",
        ),
        done=("I've arranged an exchange, a courier will pick up the item.",),
        when=("When will I get the replacement?", "When will you collect it?"),
        specific=(
            "The courier will bring the replacement and collect the old one {date} {window}.",
        ),
        bot_answer=("The {product} has a 12-month warranty. Start an exchange in 'My orders'.",),
        proactive=("I'm calling about your exchange: the new {product} arrives {date}.",),
    ),
    Scenario(
        opening=(
            "I'd like to check the specs of the {product}.",
            "Hi, what's the difference between the {product} and the previous model?",
        ),
        opening_negative=(
            "There's no proper description of the {product}, how am I supposed to choose?",
        ),
        intent=("Specs", "Product question"),
        need=("What are you planning to use it for?", "What matters most to you?"),
        details=("Home use, family of three.", "It needs to be quiet.", "Small kitchen."),
        findings=(
            "The {product} is the quietest model in the range.",
            "The {product} is about 20% more powerful and the same size.",
        ),
        done=("I've emailed you a comparison of the models.",),
        when=("How much is delivery?", "How long does delivery take?"),
        specific=(
            "Delivery to your door is 290 RUB, free for orders over 3,000 RUB.",
            "If you order today, we'll deliver {date} {window}.",
        ),
        bot_answer=("You'll find the full specs of the {product} on its product page.",),
        proactive=("I'm calling back with the model comparison you asked for.",),
    ),
)

_ORDER_CHANGE = (
    Scenario(
        opening=(
            "Can I change the delivery address for order {order}?",
            "Hi, I'd like to switch to a different pickup point.",
        ),
        opening_negative=("Why can't I change the address in the app? It's basic stuff!",),
        intent=("Change address",),
        need=("What's the order number and the new address?",),
        details=(
            "Order {order}, new address is 15 Lenina St, apt 42.",
            "{order}, Sadovaya pickup point.",
        ),
        findings=(
            "Order {order} is already with the courier, but we can still change the address.",
            "Order {order} is still at the warehouse, so the address can be changed.",
        ),
        done=("I've changed the delivery address for order {order}.",),
        when=("So when is the delivery now?",),
        specific=("Delivery is now {date} {window}, you'll get a text the day before.",),
        bot_answer=("You can change order {order} in 'My orders' until it's with the courier.",),
        proactive=("I'm calling to confirm the new delivery address for order {order}.",),
    ),
    Scenario(
        opening=("I want to cancel order {order}.", "Hi, how do I cancel my order?"),
        opening_negative=("I've been trying to cancel my order for an hour, nothing works!",),
        intent=("Cancel order",),
        need=_ORDER_NEED,
        details=_ORDER_DETAILS,
        findings=("Order {order} hasn't been packed yet, so it can still be cancelled.",),
        done=("I've cancelled order {order}, the money will go back to your card.",),
        when=("When will I get the money back?",),
        specific=("The money will be back by {dd}.", "By {dd}, usually sooner."),
        bot_answer=("Order {order} is cancelled. The money will be back by {dd}.",),
        proactive=("I'm calling to confirm order {order} is cancelled, refund by {dd}.",),
    ),
    Scenario(
        opening=(
            "Hi, I need to move my delivery to another day.",
            "Can you deliver my order later?",
        ),
        opening_negative=("You booked delivery on a workday, I can't be home! Move it!",),
        intent=("Reschedule delivery",),
        need=("Which day would suit you?", "What's the order number and a good day?"),
        details=("Order {order}, any time after 6 pm works.", "{order}, weekend is better."),
        findings=("Order {order} is still at the warehouse, so we can move it.",),
        done=("I've moved the delivery as you asked.",),
        when=("So when will it come?",),
        specific=("We'll deliver {date} {window}.",),
        bot_answer=("You can reschedule order {order} in 'My orders'.",),
        proactive=("I'm calling to confirm your delivery moved to {dd}, {window}.",),
    ),
)

_COMPLAINT = (
    Scenario(
        opening=(
            "I want to file a complaint about the courier: he was rude and left the parcel"
            " downstairs.",
        ),
        opening_negative=(
            "I want to file a complaint! The courier dumped the box at my door and the item is"
            " broken.",
        ),
        intent=("Complaint about courier",),
        need=("Could you give me the order number and tell me what happened?",),
        details=(
            "Order {order}, it was delivered {prev}.",
            "Number {order}, the courier came around 7 pm.",
        ),
        findings=(
            "I've registered your complaint under number {claim}.",
            "I've passed the complaint to the head of delivery, reference {claim}.",
        ),
        done=(
            "That courier won't be assigned to your orders again.",
            "I've added 500 bonus points as an apology.",
        ),
        when=("When will I hear back?",),
        specific=(
            "We'll email you a response by {dd}.",
            "A manager will call you {date} before 6 pm.",
        ),
        bot_answer=("Your complaint is registered as {claim}. We'll respond by {dd}.",),
        proactive=("I'm calling about your complaint {claim}: we've taken action, sorry again.",),
    ),
    Scenario(
        opening=(
            "I'd like to make a complaint: the item arrived damaged and the pickup point refused"
            " to take it back.",
        ),
        opening_negative=(
            "This is a formal complaint. Order {order} arrived opened and half of it is missing.",
        ),
        intent=("Complaint", "damaged item"),
        need=("Could you send photos of the damage?", "What's the order number?"),
        details=("{order}. Sending photos now.", "Photos attached. Order {order}."),
        findings=("I can see order {order}, got the photos, filing complaint {claim}.",),
        done=("I've arranged a free replacement.", "I've issued a full refund."),
        when=("How long does a complaint take?", "When will this be resolved?"),
        specific=(
            "Complaints are reviewed within 3 business days, so by {dd}, you'll get an email.",
        ),
        bot_answer=("Complaint {claim} is registered. We'll respond by {dd}.",),
        proactive=("I'm calling about complaint {claim}: we'll refund you by {dd}.",),
    ),
    Scenario(
        opening=("I want to complain about your support, this is the third time nobody helps me.",),
        opening_negative=("I want to complain about the agent who hung up on me yesterday.",),
        intent=("Complaint about support",),
        need=("When did you contact us?", "Which order was it about?"),
        details=("{prev}, about order {order}.", "Order {order}, I used the chat."),
        findings=("I've logged complaint {claim}, the shift supervisor will review it.",),
        done=("I'll personally make sure your issue gets solved.",),
        when=("When will someone get back to me?",),
        specific=("A supervisor will call you {date} before 6 pm.", "We'll email you by {dd}."),
        bot_answer=("Your complaint is registered as {claim}.",),
        proactive=("I'm calling about your complaint {claim}: we looked into it, sorry again.",),
    ),
)


BOOK = Phrasebook(
    lang="en",
    greet_morning=("Good morning", "Hello", "Hi", "Good morning"),
    greet_day=("Hello", "Hi", "Good afternoon", "Hello", "Hi there"),
    greet_evening=("Good evening", "Hello", "Hi"),
    open_text_full=(
        "{greet}{nm}! My name is {agent}, I'll be helping you today.",
        "{greet}{nm}! My name is {agent}.",
        "{greet}{nm}, this is {agent} from Kvarta support.",
        "{greet}{nm}! You're chatting with {agent}. Let's sort this out.",
        "{greet}{nm}! {agent} here, happy to help.",
    ),
    open_text_greet=(
        "{greet}{nm}!",
        "{greet}{nm}! Let me help you with that.",
        "{greet}{nm}, thanks for reaching out, let me take a look.",
    ),
    open_text_intro=("My name is {agent}, let me check.", "This is {agent}.", "{agent} here."),
    open_text_bare=("Let me see.", "Ok.", "What's the issue?", "Checking."),
    open_call_full=(
        "Kvarta support, my name is {agent}, how can I help?",
        "{greet}, thank you for calling Kvarta, this is {agent} speaking.",
        "{greet}! My name is {agent}, how can I help you today?",
    ),
    open_call_greet=("{greet}, Kvarta support, how can I help?", "{greet}, go ahead please."),
    open_call_intro=("Kvarta, {agent} speaking.", "This is {agent}, go ahead."),
    open_call_bare=("Support.", "Yes?", "Go ahead."),
    thanks_visit=("Thanks for coming in!", "Thank you for visiting us{nm}!"),
    hold_visit=("One moment please, let me check.", "Please take a seat, I'll look it up."),
    rating_visit=("Please rate our service at the terminal by the exit.",),
    transfer_email=(
        "I've forwarded your email to the relevant team, they will reply separately.",
        "Our claims team handles this, I've passed your email on to them.",
    ),
    customer_hello=(
        "Hi, hello.",
        "Hello.",
        "Hi, yes.",
        "Hi, my name is {cname}.",
    ),
    elaborate=(
        "I already checked the app and it doesn't make any sense.",
        "Someone was supposed to call me yesterday but nobody did.",
        "And I haven't had any emails either.",
        "It's my first order with you, so I'm not sure how this works.",
        "Basically I just want to understand what's going on.",
        "I really need it soon, I took time off for this.",
    ),
    confirm_order=("Order {order}, is that right?", "So that's {order}, correct?"),
    confirm_yes=("Yes, that's right.", "Yes.", "Correct.", "Yep."),
    verify_ask=(
        "For security, could you confirm your name and phone number?",
        "May I have your name and the phone number on the account?",
    ),
    verify_answer=("{cname}, plus seven {phone}.", "It's {cname}. {phone}.", "{phone}, {cname}."),
    customer_search=(
        "One second, let me find it...",
        "Hang on, I'm looking in the app...",
        "Just a moment, it should be in my emails...",
    ),
    line_check=("Hello, can you hear me?", "Hello? You're breaking up."),
    line_ok=("Yes, I can hear you.", "Yes, better now.", "Yeah, I'm here."),
    recap=(
        "Just to recap: everything is sorted for order {order}, you'll get the details by text.",
        "So, to sum up: order {order} is taken care of, we'll text you the details.",
    ),
    repeat_prefix=(
        "I already contacted you {prev} and it's still not solved.",
        "Writing again.",
        "This isn't the first time I'm contacting you.",
        "Same issue as before.",
    ),
    empathy=(
        "I'm sorry to hear that.",
        "I understand how frustrating this is.",
        "I'm really sorry about the trouble.",
        "I completely understand your concern.",
        "Apologies for the inconvenience.",
        "I'm sorry for the hassle, let's fix this.",
    ),
    hold_text=(
        "One moment, let me check.",
        "Give me a minute to look into this.",
        "Let me check that for you, please hold on.",
        "Thanks, checking now.",
    ),
    hold_call=(
        "Please hold for a moment while I check.",
        "Could you stay on the line, please? I'll look into it.",
        "One minute please, don't hang up.",
    ),
    hold_silent=("Okay.", "Right.", "Hmm, let me see."),
    hold_resume=("Thanks for waiting{nm}.", "Thank you for holding.", "Sorry for the wait.", "So."),
    vague=(
        "Soon.",
        "We are working on it.",
        "Please wait, it should be resolved shortly.",
        "I can't say exactly, please wait.",
        "As soon as possible.",
        "It'll be sorted out soon, don't worry.",
    ),
    push_back=(
        "Can you be more specific?",
        "That's not an answer. What date?",
        "I need an actual date.",
        "So you don't know?",
    ),
    customer_upset=(
        "Why is this taking so long?! I've been waiting a week.",
        "Are you kidding me? This is my third time.",
        "So what am I supposed to do now?",
        "Fixing this is literally your job!",
    ),
    complaint_escalation=(
        "I want to file a complaint about this.",
        "I'd like to make a formal complaint.",
        "I'm going to complain about this.",
    ),
    complaint_noted=(
        "I've logged your complaint, reference {claim}.",
        "Your complaint is registered as {claim}, a manager will review it.",
    ),
    rude=(
        "It's not my problem, contact the courier service.",
        "I already told you, I can't do anything.",
        "Calm down, that's just how it works.",
        "That's not my department.",
        "You should have checked your order more carefully.",
    ),
    promise_call=(
        "I'll check with the delivery team and call you back.",
        "Let me look into it and I'll call you back later today.",
        "I'll get back to you tomorrow.",
    ),
    promise_text=(
        "I'll check and get back to you.",
        "Let me ask my colleagues and I'll call you back.",
        "I'll look into it and send you an update today.",
    ),
    transfer=(
        "I'll transfer you to a senior specialist who can help with this.",
        "Refunds team handles this, I'm transferring you now.",
        "Let me pass this to a colleague, please stay on.",
    ),
    transfer_pickup=(
        "{greet}{nm}! My name is {agent2}, I'll take it from here.",
        "{greet}, this is {agent2}, my colleague passed your question to me.",
        "Hi, {agent2} here. I've read through the conversation.",
    ),
    unresolved=(
        "Unfortunately I can't resolve this right now, it needs a warehouse check.",
        "I've passed this on to the relevant team, they'll look into it.",
        "I'm afraid the system won't let me make that change at the moment.",
    ),
    pending_specific=(
        "The team will reply by {dd}, we'll message you right away.",
        "The check takes until {dd}, we'll text you the result.",
        "I'll update you today by {time}.",
    ),
    ack_good=(
        "Thanks, got it.",
        "Great, thank you!",
        "Ok, I'll wait.",
        "ok",
        "Perfect, thanks a lot!",
        "Alright.",
    ),
    ack_bad=("Fine. Very inconvenient though.", "Whatever...", "Ok, we'll see.", "Terrible."),
    more_help=(
        "Is there anything else I can help with?",
        "Anything else I can do for you today?",
        "Do you have any other questions?",
        "Is there anything else I can help you with{nm}?",
    ),
    no_more=("No, that's all, thanks.", "Nope, that's it.", "no thanks", "That's all."),
    thanks_text=(
        "Thank you for contacting us!",
        "Thanks for reaching out{nm}!",
        "Thank you for contacting Kvarta!",
    ),
    thanks_call=("Thank you for calling Kvarta!", "Thanks for calling{nm}!"),
    rating_text=(
        "Please rate this conversation when we finish.",
        "We'd appreciate it if you could rate our chat.",
        "Please take a second to rate my help.",
    ),
    rating_call=(
        "Please stay on the line to rate the call.",
        "You'll get a text after the call, please rate our conversation.",
    ),
    wish=("Have a great day!", "Take care!", "Have a nice evening!", "Bye!", ""),
    bare_close=("Bye.", "Ok.", "Done."),
    upsell=(
        "By the way, you can add a 2-year extended warranty to the {product}, shall I add it?",
        "By the way, with Kvarta Plus delivery is free, I can activate it for you.",
    ),
    bot_hello=(
        "Hi! I'm Kvarta's virtual assistant. How can I help?",
        "Hello! This is the Kvarta support bot. Please type your question.",
    ),
    bot_try=(
        "Please check 'My orders' for the latest status.",
        "Maybe this FAQ article helps. Did it answer your question?",
        "I can show your order status. Please enter the order number.",
    ),
    ask_human=("Agent", "human please", "No. I want to talk to a person", "didn't help"),
    bot_handoff=(
        "Connecting you to an agent, please wait.",
        "Transferring you to a specialist. Average wait is 1 minute.",
    ),
    bot_busy=(
        "All our agents are busy right now. We'll call you back today.",
        "Sorry, no agents are available. Please try again later.",
    ),
    bot_thanks=("Glad I could help! Have a great day!", "Thanks! Please rate the bot's answer."),
    sys_joined=("Agent {agent_full} joined the chat", "{agent_full} has joined the conversation"),
    sys_transfer=("Conversation transferred to {agent2_full}", "Chat transferred: {agent2_full}"),
    sys_closed=("Chat ended", "Conversation closed by agent"),
    sys_left=("Customer left the chat", "Customer closed the chat window"),
    waiting=("Hello?", "Anyone there?", "How long do I have to wait?", "??"),
    email_subject=("Subject: ", "Re: "),
    email_signature=(
        "Kind regards,\n{agent_full}\nKvarta Customer Support",
        "Best,\n{agent}\nKvarta Support",
        "{agent_full}, Kvarta Support",
    ),
    email_more=(
        "If you have any other questions, just reply to this email.",
        "Is there anything else I can help with?",
        "Let me know if you need anything else.",
    ),
    email_thanks=("Thank you for contacting us!", "Thanks for reaching out.", "Thank you!"),
    email_customer_sign=("Regards, {cname}", "{cname}", "Thanks.", ""),
    outbound_callback=(
        "{greet}{nm}! This is {agent} from Kvarta. You contacted us {prev}, I'm calling back"
        " with an answer.",
        "{greet}, it's {agent} from Kvarta support, I promised to call you back.",
        "{greet}{nm}, this is {agent} from Kvarta. Is now a good time?",
    ),
    outbound_proactive_open=(
        "{greet}{nm}! My name is {agent}, I'm calling from Kvarta.",
        "{greet}, this is {agent} from Kvarta support. Is now a good time?",
    ),
    customer_ok_to_talk=("Yes, go ahead.", "Sure.", "Yes, hi.", "Yeah."),
    comment_good=(
        "Quick and polite, thanks!",
        "{agent} was great, explained everything clearly.",
        "Thanks, problem solved.",
        "Excellent support.",
        "fast and helpful",
    ),
    comment_ok=("It was ok.", "Fine, but slow.", "Helped in the end, but I had to wait."),
    comment_bad=(
        "The issue is still not solved.",
        "Nothing was fixed, waste of time.",
        "Third time contacting you, useless.",
    ),
    comment_rude=("The agent was rude.", "Very rude, I won't order again."),
    comment_slow=("Very slow replies.", "Waited ages for every answer.", "Long hold times."),
    comment_vague=("Never told me when it will arrive.", "No concrete answer at all."),
    windows=("between 9 am and 1 pm", "between 10 am and 2 pm", "between 2 and 6 pm"),
    today_times=("6 pm", "8 pm", "5 pm"),
    products=(
        "Vortex V8 vacuum",
        "Brava K-17 kettle",
        "Milano Pro coffee machine",
        "Sonata Air headphones",
        "Mixo 600 blender",
        "Cleano R5 robot vacuum",
        "Tepla M20 microwave",
    ),
    cities=("Podolsk", "Tver", "Kazan", "Khimki", "Domodedovo"),
    misspellings=(
        ("receive", "recieve"),
        ("address", "adress"),
        ("until", "untill"),
        ("apologise", "appologise"),
        ("definitely", "definately"),
        ("tomorrow", "tommorow"),
        ("separate", "seperate"),
    ),
    habitual=(("receive", "recieve"), ("you're", "your"), ("Thanks", "Thx")),
    topics={
        "delivery": _DELIVERY,
        "refund": _REFUND,
        "payment": _PAYMENT,
        "account": _ACCOUNT,
        "product": _PRODUCT,
        "order_change": _ORDER_CHANGE,
        "complaint": _COMPLAINT,
    },
    date_phrase=_date_phrase,
    prev_phrase=_prev_phrase,
    money=_money,
)
