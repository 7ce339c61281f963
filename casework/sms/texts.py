"""What the SMS line says (English message ids; translations in the gettext catalogs).

Written for a child of 9 to 11 reading on a small screen; every message fits in few SMS parts.
"""

from __future__ import annotations

from typing import Final

ASK_LANGUAGE: Final = (
    "Hello. You can tell us here if someone hurts you. "
    "Reply 1 for English, 2 Français, 3 Български, 4 Filipino."
)
ASK_WHAT: Final = (
    "Thank you for texting us. What happened? Reply with a number or tell us in your words: "
    "1 someone hit or hurt me, 2 someone touched me in a bad way, 3 bullying, 4 bullying online, "
    "5 a teacher hurt me, 6 fighting at home, 7 I want to hurt myself, 8 something else"
)
ASK_WHERE: Final = "Where did it happen? Write the name of your school or the place."
ASK_DANGER: Final = "Is someone in danger right now? Reply YES or NO."
ASK_CONSENT: Final = (
    "May we text you back on this phone? Reply YES or NO. If someone else reads your texts, "
    "reply NO."
)
DONE: Final = (
    "Thank you for telling us. Your reference is {reference} and your secret code is {code}. "
    "Keep them safe and do not share them. You can text us here any time."
)
EMERGENCY: Final = (
    "If you are in danger right now, call {emergency}. We have told our team and someone "
    "will look at your message straight away."
)
HELP: Final = (
    "This is a safe line for children. Tell us if someone hurts you. Text {safe_word} to stop "
    "all our messages at once, or STOP to stop them. In an emergency call {emergency}."
)
RECEIVED: Final = "We got your message. Someone will read it soon."
RESTARTED: Final = (
    "You will get our messages again. Text {safe_word} any time to stop them at once."
)
YES_OR_NO: Final = "Please reply YES or NO."
