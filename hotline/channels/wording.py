"""Plain words for reporters (reading age 9-11), shared by the web form and the API."""

from __future__ import annotations

from casework.followup.service import ReporterStatus

RECEIPT_MESSAGE = (
    "Thank you for telling us. Keep your reference and code safe: you need both to "
    "check on your report. Do not share them."
)

STATUS_MESSAGES = {
    ReporterStatus.RECEIVED: "We have your report. Someone will look at it soon.",
    ReporterStatus.IN_PROGRESS: "Someone is working on your report.",
    ReporterStatus.CLOSED: "We have finished working on your report.",
}

# What each category means, in a child's words. Keys are category codes.
CATEGORY_PHRASES = {
    "physical_abuse": "Someone hit me or hurt my body",
    "corporal_punishment": "A teacher or another adult hit me or hurt me as a punishment",
    "bullying": "Other children pick on me or are mean to me again and again",
    "cyberbullying": "Someone is mean to me online or on my phone",
    "emotional_abuse": "An adult keeps shouting at me, scaring me or putting me down",
    "sexual_abuse": "Someone touched me in a way that was not OK",
    "online_sexual_exploitation": "Someone online asked me for photos or to do sexual things",
    "domestic_violence": "There is fighting and hurting at home",
    "neglect": "Nobody looks after me (food, home, clothes, doctor)",
    "self_harm": "I want to hurt myself, or I think about ending my life",
    "discrimination": "I am treated badly because of who I am",
    "child_marriage": "Someone wants me to get married",
    "child_labour": "I have to work instead of going to school",
    "trafficking": "Someone took me away or makes me work for them",
    "radicalisation": "Someone is pushing me to join a violent group",
    "other": "Something else",
}
