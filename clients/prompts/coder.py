"""The deterministic MITI 4.2.1 coder: what a student turn does, without a model. Pure, no Django.

A turn is split into utterances (sentences, and a statement clause before a question); each gets
one code, and runs of the same code merge except questions (MITI codes a reflection that goes on
for two sentences once, as complex, and counts every question). Codes are judged by what an
utterance does, not by its stock words:
- a reflection is a statement about the client's experience that carries meaning from what the
  client just said (shared words, a feeling, or an inference about them); "That makes sense" or
  "I hear you" carries none and is `other`;
- it is complex when it adds something: a feeling or meaning the client did not say, a metaphor,
  both sides of an ambivalence, or it continues the client's own sentence;
- an affirmation names a strength or effort of the client, autonomy support names the client's
  choice, seeking collaboration asks for the client's say in what happens next;
- advice is persuasion unless the client asked for it or gave permission (then with permission).

The patterns below recognise grammar and content (who the sentence is about, whether it asks,
what it claims); none earns a positive code on its own without the content that makes it one.
"""

import re
from collections.abc import Iterator

from clients.prompts.skills import (
    AFFIRM,
    CLOSED_QUESTION,
    COMPLEX_REFLECTION,
    CONFRONT,
    EMPHASIZE_AUTONOMY,
    GIVE_INFORMATION,
    OPEN_QUESTION,
    OTHER,
    PERSUADE,
    PERSUADE_WITH_PERMISSION,
    QUESTIONS,
    REFLECTIONS,
    SEEK_COLLABORATION,
    SIMPLE_REFLECTION,
)


def _any(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{pattern})" for pattern in patterns), re.IGNORECASE)


# --- splitting ---------------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+|\n+")
# "It sounds like work has been hard, so what keeps you going?": a statement, then a question.
_QUESTION_CLAUSE = re.compile(
    r",\s+(?:(?:and|so|but|then)\s+)?(?=(?:what|how|why|where|who|which|is|are|do|does|did|"
    r"have|has|can|could|would|will)\b[^,]*\?$)",
    re.IGNORECASE,
)
# "When you say it's hard, what ..." keeps its question word after the comma: do not split that.
_LEADING_SUBCLAUSE = re.compile(
    r"^(?:when|if|as|since|because|before|after|while|on|in|for|with|about|from|at)\b", re.I
)
_MIN_SPLIT_WORDS = 3  # "Okay, so what else?" is one question, not a statement and a question


def utterances(text: str) -> list[str]:
    """The turn's sentences, with a statement clause before a closing question split off."""
    text = text.replace("\u2019", "'").replace("\u2018", "'").strip()
    pieces: list[str] = []
    for sentence in _SENTENCE_END.split(text):
        sentence = sentence.strip(" \t-\u2013\u2014")
        if not re.search(r"\w", sentence):
            continue
        split = _QUESTION_CLAUSE.search(sentence)
        if (
            split
            and not _LEADING_SUBCLAUSE.match(sentence)
            and len(sentence[: split.start()].split()) >= _MIN_SPLIT_WORDS
        ):
            pieces.extend([sentence[: split.start()] + ".", sentence[split.end() :]])
        else:
            pieces.append(sentence)
    return pieces


# --- words -------------------------------------------------------------------------------------

_WORD = re.compile(r"[a-z']+")
_STOP_WORDS = """
    a about above after again all am an and any are as at be been being but by can could did
    do does doing don't for from had has have having he her here him his how i i'm if in
    into is it it's its just like me more most much my no not now of off on one only or
    other our out over really right same she so some still such than that that's the their
    them then there these they this those through to too up very was we were what when where
    which while who why will with would you you're you've your yours yourself okay ok yeah
    well kind sort lot thing things get got go going know mean say said tell told think
    sounds sound seems seem feel feels felt guess maybe something anything everything
    someone anyone people way also even ever
"""
_STOP = frozenset(_STOP_WORDS.split())

_FEELINGS = _any(
    r"\b(?:sad|sadness|lonely|loneliness|alone|isolated|ashamed|shame|guilt|guilty|embarrass\w*|"
    r"scar(?:ed|es|y)|afraid|fear\w*|frighten\w*|terrif\w*|anxious|anxiety|nervous|worr\w+|panic\w*|"
    r"overwhelm\w*|exhaust\w*|tired|worn|drained|burn(?:ed|t)? out|hopeless|helpless|stuck|"
    r"trapped|angry|anger|furious|frustrat\w*|resent\w*|bitter|hurt|betrayed|grief|griev\w*|"
    r"miss(?:es|ing)?|heartbroken|numb|empty|invisible|unheard|judged|pressure\w*|torn|confus\w*|"
    r"lost|relie(?:f|ved)|judg(?:ed|ing)|"
    r"(?:going through|dealing with|juggling) (?:a lot|so much)|proud|hope\w*|happy|glad|excited|"
    r"upset|down|low|bad|awful|terrible|"
    r"annoy\w*|fed up|sick of|irritat\w*|disappoint\w*|useless|worthless|failure|failing|"
    r"responsible|burden\w*|crush\w*|hard|difficult|tough|painful|heavy|scary|stress\w*|"
    r"unfair|alone|disrespect\w*|powerless|insecure|jealous|humiliat\w*|regret\w*)\b"
)
# Vague feelings: they show the listener heard a feeling, but add nothing deeper.
_VAGUE_WORDS = "bad upset down low hard difficult tough stress stressed stressful awful terrible"
_VAGUE_FEELINGS = frozenset(
    [
        *_VAGUE_WORDS.split(),
        "going through a lot",
        "going through so much",
        "dealing with a lot",
        "juggling a lot",
    ]
)


def _content_words(text: str) -> set[str]:
    return {_stem(word) for word in _WORD.findall(text.lower()) if word not in _STOP}


def _stem(word: str) -> str:
    """A crude stem, enough to match "judge" with "judging" and "exams" with "exam"."""
    word = word.strip("'")
    for suffix in ("'s", "ing", "ed", "es", "s", "ly"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    return word[:-1] if word.endswith("e") and len(word) > 3 else word


def _feelings(text: str) -> set[str]:
    return {match.group(0).lower() for match in _FEELINGS.finditer(text)}


# --- questions ---------------------------------------------------------------------------------

_AUXILIARY_START = re.compile(
    r"^(?:(?:and|so|but|okay|ok|well|now|then)[, ]+)?(?:is|are|am|was|were|do|does|did|have|has|"
    r"had|can|could|would|will|should|shall|may|might|must|isn't|aren't|don't|doesn't|didn't|"
    r"haven't|hasn't|won't|wouldn't|can't|couldn't|shouldn't|any|anything)\b",
    re.IGNORECASE,
)
# "Could you tell me more about that?" asks for the client's story: open, however it starts.
_INVITES_STORY = re.compile(
    r"\b(?:can|could|would|will) you (?:please )?(?:just )?(?:tell me (?:more|about|"
    r"a (?:bit|little)|what|how|why|where|who|when)|say (?:a (?:bit|little) )?more|describe|"
    r"walk me through|talk (?:a (?:bit|little) )?(?:more )?about|help me understand|"
    r"share (?:a (?:bit|little) )?more|explain)\b",
    re.IGNORECASE,
)
# "Tell me more about that." asks, though it ends with a full stop.
_ASKING_STATEMENT = re.compile(
    r"^(?:(?:so|okay|ok|and|now),? )?(?:please )?(?:tell me (?:more|about|a (?:bit|little)|"
    r"what|how|why)|say (?:a (?:bit|little) )?more|describe|walk me through|help me understand|"
    r"talk me through|i(?:'m| am) (?:just |really )?(?:curious|wondering) "
    r"(?:what|how|about|why|where)|"
    r"i wonder (?:what|how|why|where))\b",
    re.IGNORECASE,
)
_OPEN_STEM = re.compile(
    r"(?:^|[,:;]\s*|\b(?:and|so|but|then|now|also)\s+)(?:what|how|why|where|who|whom|whose|which|"
    r"in what way)\b",
    re.IGNORECASE,
)
# Asking for a number, a date or a length is closed, though it starts with how or what.
_ASKS_FOR_A_FACT = re.compile(
    r"(?:\bhow (?:many|much|long|old|often|far)|\bwhat (?:time|day|year|age|number)\b|"
    r"\bon a scale|\bfrom (?:one|1|zero|0) to (?:ten|10)|\bwhen did|\bwhen was|"
    r"^what(?:'s| is| are| was) (?:the|your) \w+(?: \w+)?(?: (?:right )?now| today)?\?$|"
    r"\bwhat are you (?:hiding|keeping|not telling))",
    re.IGNORECASE,
)
_EITHER_OR = re.compile(r"\bor\b[^?]*\?$|\bor not\b", re.IGNORECASE)
_ASKS_FOR_SAY = _any(
    r"\b(?:would|will|is) it (?:be )?(?:ok(?:ay)?|alright|all right|fine)\b",
    r"\b(?:may|can|could) (?:i|we) (?:share|offer|tell you|give|mention|suggest|ask)\b",
    r"\bwould you (?:be (?:open|willing|interested)|like (?:me to|some|if|to (?:talk|focus|start|"
    r"hear|look|go|try|work|spend|begin)))\b",
    r"\bdo you want (?:to|me to) (?:hear|share|talk|look|go|start|focus|try)\b",
    r"\bwhat would you like (?:to|us to) (?:focus|talk|work|start|cover|discuss|look at|do today|"
    r"get out of)\b",
    r"\bwhat (?:feels|would feel) (?:okay|ok|right|comfortable|safe) to "
    r"(?:talk|share|focus|start)\b",
    r"\bwhere would you like to\b",
    r"\bwhat (?:should|shall|do you want to|would you like to) we\b",
    r"\bwhat(?:'s| is) most important (?:to you )?(?:to|for us to) (?:talk|focus|cover)\b",
    r"\bhow would you like (?:to|us to)\b",
    r"\bwhat do you (?:want|hope) (?:to get|to focus|us to)\b",
    r"\bwhat (?:would be|is) (?:most )?helpful (?:for us|to talk|to focus)\b",
)
_PUSHING_QUESTION = _any(
    r"\bwhy don't you\b",
    r"\bdon't you think\b",
    r"\bshouldn't you\b",
    r"\bwouldn't it be (?:better|easier|smarter)\b",
    r"\bhave you (?:tried|thought about|considered) (?:just )?\w+ing\b",
    r"\bwhy not (?:just )?\w+\b",
)


# --- statements --------------------------------------------------------------------------------

_HOSTILE = _any(
    r"\b(?:shut up|stupid|idiot\w*|pathetic|ridiculous|lazy|selfish|irresponsible|childish|"
    r"grow up|get over it|calm down|stop whining|stop complaining|quit whining|man up|"
    r"wasting (?:my|our) time|not my problem|excuses?|in denial|your (?:own )?fault|blame yourself|"
    r"you(?:'re| are) (?:lying|an alcoholic|a drunk|an addict|overreacting|being dramatic|"
    r"being ridiculous|the problem)|not fooling|kidding yourself|(?:a lot|much|far) worse|"
    r"deserves? (?:better|a (?:sober|better|real))|that's not (?:a few|just)|"
    r"you should(?:n't)? have|what were you thinking|"
    r"that's (?:a lie|not true|no excuse|on you)|i don't believe you|you only have yourself|"
    r"you brought (?:this|it) on|need to admit|admit (?:it|that you)|face (?:it|the facts|reality)|"
    r"no wonder (?:she|he|they|people) (?:left|leave)|you always|you never listen)\b",
    # a clinical label pinned on the client is a label all the same
    r"\b(?:classic|textbook) \w+|\bcatastrophi[sz]\w*|\bcognitive distortions?\b|\bmaladaptive\b|"
    r"\bcodependen\w*|\benabling\b|\bpersonality disorder\b",
)
_ADVISES = _any(
    r"\byou(?:'re| are) going to (?:have|need) to\b",
    r"\bi(?:'d| would) (?:strongly )?(?:suggest|recommend|advise|urge)\b",
    r"\b(?:one|another) (?:thing|option|idea) (?:some people|people|you could|you might) (?:try|do|"
    r"use)\b",
    r"^some (?:people |students |parents |mums |moms )?(?:make|try|find it|use|keep|write)\b",
    r"\byou (?:really |just |absolutely |definitely )?(?:need|have|ought|got) to\b",
    r"\byou(?:'ve)? got to\b",
    r"\byou (?:really |just |absolutely |definitely )?(?:should|must)\b(?! (?:be|have been|feel|"
    r"have felt|get tired|wonder))",
    r"\byou(?:'d| had) better\b",
    r"\bwhy don't you\b",
    r"\b(?:my|the best) advice\b",
    r"\bi (?:strongly )?(?:suggest|recommend|advise|urge)\b",
    r"\bi (?:really )?(?:think|believe) (?:that )?you (?:should|need|have to|ought)\b",
    r"\bif i were you\b",
    r"\bthe (?:answer|solution|best thing|only way)(?: for you)? (?:is|would be)\b",
    r"\b(?:it would be|it's) (?:best|better|smart|wise) (?:if you|for you to|to)\b",
    r"^(?:please )?(?:just )?(?:stop|quit|try|cut (?:down|back)|go (?:to|and)|get (?:some|a|"
    r"help|out)|make sure|start|don't (?:drink|drive|skip|go|let|be)|call|talk to|tell (?:her|"
    r"him|them|your))\b",
    r"\bjust (?:stop|try|quit)\b",
    r"\byou could (?:try|always|just|start|consider|think about|talk to|go|tell|ask|write|"
    r"make|take|cut)\b",
    r"\b(?:one|another) (?:thing|option|idea|possibility) (?:you could|would be|is to)\b",
    r"\bsome people find (?:it )?helpful\b",
)
# "...because you have to be", "what you think you should feel": describing, not advising.
_DESCRIBES_BEFORE = re.compile(
    r"\b(?:because|since|like|feel|feels|felt|think|thinks|thought|that|if|when|what|say|said|"
    r"saying|told|telling|how|whether|believe)\s*$",
    re.IGNORECASE,
)


def _advises(text: str) -> bool:
    return any(
        not _DESCRIBES_BEFORE.search(text[: match.start()]) for match in _ADVISES.finditer(text)
    )


_QUALIFIES_ADVICE = _any(
    r"\b(?:it's|it is|that's) (?:up to you|your (?:choice|call|decision))\b",
    r"\bmay or may not\b",
    r"\b(?:might|may) not (?:fit|work|be right) for you\b",
    r"\bsee (?:what|how) (?:you think|it fits|that fits)\b",
    r"\byou (?:might|may) (?:disagree|know better|decide)\b",
    r"\bif (?:it|that) (?:fits|makes sense to you|feels right)\b",
)
_AUTONOMY = _any(
    r"\b(?:it's|it is|that's|that is|this is|it'll be|it will be|the choice is|the decision is|"
    r"is|are) (?:entirely |completely |totally |really |all |always )?(?:up to you|your (?:own )?"
    r"(?:choice|call|decision|life|business))\b",
    r"\b(?:you (?:get to|can|will|are the one to|alone can|'re the one to) )(?:decide|choose)\b",
    r"\byou decide\b",
    r"\b(?:that's|it's|that is|it is) yours to (?:decide|choose)\b",
    r"\bi(?:'m| am) not (?:going|here) to tell you what to do\b",
    r"\bwhatever you (?:decide|choose)\b",
    r"\bwhatever (?:feels right|you(?:'d| would) like|you want) (?:to|for) you\b|"
    r"\bwhatever (?:feels right|you(?:'d| would) like|you want)\b",
    r"\byou know (?:yourself|your (?:life|situation|family|body|kids|son|daughter)) "
    r"(?:best|better)",
    r"\byou(?:'re| are) the (?:expert|one who knows|best judge|one in charge|boss)\b",
    r"\bonly you can\b",
    r"\byou(?:'re| are) (?:in charge|in control) of\b",
    r"\bno one can (?:make|force) you\b",
    r"\byou don't have to (?:share|tell|talk|say|answer|decide|do anything|go into|change)\b",
    r"\b(?:when|if) (?:and when )?you(?:'re| are| feel) ready\b",
    r"\b(?:at|in) your own (?:pace|time|way)\b",
    r"\bas much or as little as you\b",
    r"\bhow much you (?:share|say|tell)\b[^.]*\byou\b",
    r"\bwhat(?:ever)? you (?:want|choose|decide) to (?:share|do|talk|say|tell)\b",
)
_NOT_AUTONOMY = re.compile(
    r"\b(?:not|isn't|no longer|never) (?:up to you|your (?:choice|call))", re.I
)
_STRENGTH = _any(
    r"\byou(?:'re| are| were|'ve been| have been)? (?:really |so |very |clearly |obviously )?"
    r"(?:a |an |such a |such an )?(?:really |very |so )?"
    r"(?:strong|brave|courageous|resourceful|determined|committed|caring|thoughtful|resilient|"
    r"persistent|dedicated|capable|insightful|creative|hard[- ]?working|patient|loving|devoted|"
    r"honest|generous|tough|a (?:good|great|loving|caring|devoted) (?:mom|mother|dad|father|"
    r"parent|friend|son|daughter|wife|husband|partner|student|sister|brother))\b",
    r"\byou(?:'ve| have)? (?:really |clearly |still |already )?(?:managed|kept (?:going|at|"
    r"trying|showing|it together)|held (?:it|things|everything) together|worked (?:so |really )?"
    r"hard|stuck with|looked after|taken care|handled|fought|survived|pushed through|shown|"
    r"showed up|made it|come (?:this|so) far|been (?:working|trying) (?:so |really )?hard|"
    r"done (?:a lot|so much|everything|well|a good|a great)|carried)\b",
    r"\byou (?:really |clearly |obviously |deeply )?(?:care|love) (?:a lot |so much |deeply )?"
    r"(?:about|for)\b",
    r"\b(?:that|it|this) (?:took|takes|must have taken) (?:real |a lot of )?(?:courage|guts|"
    r"strength|effort|honesty)\b",
    r"\b(?:says|shows) a lot about you\b",
    r"\bkept\b[^.]{0,30}\b(?:going|running|together|afloat)\b",
    r"\byou(?:'ve| have)? (?:built|created|achieved|accomplished|earned)\b",
    r"\blucky to have (?:you|a|such)\b",
    r"\b(?:that's|that is|it's) (?:a lot of|real|so much) (?:care|work|effort|courage|strength|"
    r"love|heart)\b",
    r"\b(?:took|takes|must have taken) (?:real |a lot of |a lot\b|so much)",
    r"\bthank(?:s| you) for (?:being (?:so )?(?:honest|open|brave|candid)|trusting me)\b",
    r"\bi(?:'m| am) (?:impressed|struck) (?:by|with) (?:how|your)\b",
    r"\byour (?:strength|courage|determination|commitment|honesty|effort|persistence|"
    r"resourcefulness|care)\b",
)
_COLLABORATES = _any(
    r"\blet's (?:figure|work|think|look|see|explore|talk|find|decide|come up)\b",
    r"\b(?:we|you and i) (?:can|could|might) (?:work|figure|think|look|explore|find|decide|come "
    r"up|go|start)\b[^.]*\btogether\b",
    r"\btogether\b[^.]*\b(?:we|us)\b|\b(?:we|us)\b[^.]*\btogether\b",
    r"\bi(?:'d| would) (?:like|love) to hear (?:what|how) you\b",
    r"\byour (?:ideas|thoughts|input) (?:matter|count|are important)\b",
)
# The client's experience is the subject: "you ...", "part of you", "it sounds like ...".
_ABOUT_CLIENT = _any(
    r"^(?:and |so |but |because |or )?(?:it |that |this )?(?:sounds|seems|feels|looks)\b",
    r"^(?:and |so |but |because |okay,? |so,? )?(?:you|your)\b",
    r"\byou(?:'re|'ve|'d)\b",
    r"\bi (?:get|understand|see|know|hear) (?:that|how|why) you\b",
    r"\b(?:matters?|means?|important)\b[^.]{0,12}\bto you\b",
    r"^(?:that|this|it) (?:can't|must|must not|mustn't|couldn't) have been\b",
    r"\bmust have (?:felt|been)\b",
    r"\b(?:so )?you(?:'re|'ve|'d|'ll| are| were| have| had| feel| felt| think| thought| want| "
    r"wanted| wish| worry| wonder| miss| missed| hate| love| don't| didn't| can't| couldn't| "
    r"never| always| seem| sound| must| might| may| keep| kept| still| just| really| care| "
    r"believe| know| find| found| got| get| see| hope| need| needed| would| won't| wouldn't| "
    r"started| stopped| lost| gave| put| took| tried| said| mean| sort| kind| also)\b",
    r"\bpart of you\b",
    r"\bfor you\b",
    r"\b(?:seems|seemed|sounds) (?:to|like)\b",
    r"\byour (?:own )?(?:life|world|family|mom|dad|mother|father|son|daughter|kids|children|"
    r"wife|husband|partner|job|work|head|body|heart|mind|days|nights)\b",
    r"\bi(?:'m| am) hearing\b|\bwhat i(?:'m| am) hearing\b|\bi hear (?:that|how)\b",
    r"\bi (?:get|have) the (?:sense|feeling|impression)\b",
    r"\bi (?:imagine|wonder if you|can see (?:how|that|why))\b",
    r"^(?:and |so )?(?:it's|it has|it's been|that's been|this has been|that must|this must|"
    r"that would|must be|no one|nobody|everyone|everybody|all of this|lonely|exhausting)\b",
)
_MORE_THAN_SAID = _any(
    r"\bpart of you\b",
    r"\bon (?:the )?one hand\b|\bon the other(?: hand)?\b",
    r"\b(?:and|but) (?:yet|at the same time)\b|\bat the same time\b",
    r"\bsome of (?:it|that|them)\b[^.]*\b(?:some|not so much|other)\b",
    r"\beven though\b|\balthough\b|\bwhile you\b|\bbut (?:you also|another part|still)\b",
    r"(?<!sounds )(?<!seems )(?<!looks )(?<!feels )(?<!feel )(?<!felt )\b(?:like|as if|as though) "
    r"(?:a|an|you(?:'re| are| were)|being|the|someone|no one|nothing|everything)\b",
    r"\bas you see it\b|\bin your (?:eyes|view)\b|\bfrom where you (?:sit|stand)\b",
    r"\byou(?:'d| would) (?:like|love|rather|prefer)\b|\bnot sure\b|\bdifferently\b",
    r"\b(?:really going on|the real (?:reason|problem|issue)|more than (?:it|that|just|you))\b",
    r"\b(?:and|but) (?:yet )?you(?:'re| are)? still\b",
    r"\b(?:can't|must|must not|couldn't) have (?:been|felt)\b|\bdeeper than\b",
    r"\b(?:carry|carrying|weight|shoulders|drowning|treading water|walls|running on empty|"
    r"falling apart|holding (?:it|everything) together|on your own|by yourself|alone)\b",
    r"\byou(?:'re| are)? (?:afraid|scared|worried|wondering|not sure) (?:that|whether|if)\b",
    r"\byou must (?:be|have|feel)\b|\bmust (?:be|feel|have been)\b",
    r"\b(?:tired|sick) of\b|\bfed up\b",
    r"\b(?:matters?|important|means?)\b[^.]{0,12}\bto you\b",
    r"\byou (?:value|care about|want to be)\b",
    r"\bwhat you (?:really )?(?:want|need|miss)\b|\bunderneath\b|\bdeep down\b",
    r"\bnot the only\b",
    r"\bbecause you\b|\bwhich (?:means|is why)\b|\bso (?:that|it's hard)\b",
    r"^(?:and|because|even|which|so that|until) ",
)
_INFORMS = _any(
    r"\b(?:research|studies|evidence|science|data|statistics)\b",
    r"\b(?:many|most|lots of|a lot of|plenty of|some) (?:new )?(?:people|students|parents|mothers|"
    r"moms|mums|dads|fathers|men|women|teens|veterans|clients)\b",
    r"\b(?:when|sometimes|often) people\b",
    r"\b(?:are|is) (?:required|obliged|allowed|not allowed) to\b",
    r"\b(?:it's|it is|that's|that is) (?:very |really |quite |pretty )?(?:common|normal|typical|"
    r"usual|a (?:common|normal|known))\b",
    r"\b(?:can|may|tends? to|often|usually) (?:cause|make|lead|affect|increase|reduce|help|"
    r"last|peak|pass|happen|show up|come)\b",
    r"\b(?:alcohol|drinking|caffeine|sleep|exercise|panic attacks?|anxiety|depression|"
    r"postpartum|grief|medication|therapy|counseling|the court|the program|the law|your gp|"
    r"a doctor|the center|the clinic|the hotline|the helpline|this service)\b[^.?]*\b(?:is|are|"
    r"can|will|has|have|offers?|means?)\b",
    r"^(?:i(?:'m| am) (?:a|an|one of|the|your)|my name is|we have (?:about )?\d|"
    r"we(?:'ve| have) got (?:about )?\d|our (?:session|time)|the session|this session)\b",
    r"\b(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|twenty|thirty|forty|fifty|sixty) "
    r"(?:minutes|hours|weeks|sessions|percent|%)",
)


def _is_question(text: str) -> bool:
    return text.rstrip().endswith("?")


def _question_code(text: str) -> str:
    if _HOSTILE.search(text):
        return CONFRONT
    if _PUSHING_QUESTION.search(text):
        return PERSUADE
    if _ASKS_FOR_SAY.search(text):
        return SEEK_COLLABORATION
    if _ASKS_FOR_A_FACT.search(text) or _EITHER_OR.search(text):
        return CLOSED_QUESTION
    if _AUXILIARY_START.match(text):
        return OPEN_QUESTION if _INVITES_STORY.search(text) else CLOSED_QUESTION
    if _OPEN_STEM.search(text) or _ASKING_STATEMENT.search(text):
        return OPEN_QUESTION
    return CLOSED_QUESTION


_ABOUT_THE_CLIENT_FIRST = re.compile(r"^(?:and |so |but )?(?:you|part of you)\b", re.IGNORECASE)
_INFERENCE_WORDS = 4
# Words about this conversation, not about the client's life: "You can trust me completely,
# this is a safe space" says nothing of the client however many of them it strings together.
_SESSION_WORDS_TEXT = (
    "trust confidential private safe space secret secrets judgment judging share sharing talk "
    "talking open hide hiding honest completely totally honestly truly"
)
_SESSION_WORDS = frozenset(_stem(word) for word in _SESSION_WORDS_TEXT.split())


def _reflection_code(text: str, client_text: str, *, continues: bool) -> str | None:
    """SIMPLE or COMPLEX if the statement reflects the client's experience with some content."""
    said = _content_words(client_text)
    words = _content_words(text)
    shared = words & said
    if not (_ABOUT_CLIENT.search(text) or _echoes(text, words, shared)):
        return None
    feelings = _feelings(text)
    added_feelings = {
        feeling
        for feeling in feelings - _VAGUE_FEELINGS
        if _stem(feeling.split()[0]) not in said and feeling not in client_text.lower()
    }
    inferred = bool(_MORE_THAN_SAID.search(text))
    # Without the client's words, a feeling or a marked inference, it takes a sentence about the
    # client with some substance ("You've become the one who keeps everyone steady").
    substance = words - _SESSION_WORDS
    substantial = len(substance) >= (
        _INFERENCE_WORDS if client_text else _INFERENCE_WORDS - 1
    ) and (bool(_ABOUT_THE_CLIENT_FIRST.match(text)) or not client_text)
    if not (shared or feelings or inferred or substantial):
        return None  # a "you" sentence that carries nothing of what the client said
    if inferred or added_feelings or continues:
        return COMPLEX_REFLECTION
    if said and len(words) >= 4 and len(shared) * 3 < len(words):
        return COMPLEX_REFLECTION  # mostly new meaning about the client: an inference
    return SIMPLE_REFLECTION


# The counselor talking about themselves or the session, not about the client.
_SPEAKER_SUBJECT = re.compile(r"^(?:i|i'm|i've|i'd|we|we're|let's|let me|my|our|here)\b", re.I)


def _echoes(text: str, words: set[str], shared: set[str]) -> bool:
    """A sentence without "you" that says back mostly the client's own words ("The house is
    quiet now.")."""
    if _SPEAKER_SUBJECT.match(text) or len(shared) < 2:
        return False
    return len(shared) * 2 >= len(words)


def _statement_code(text: str, client_text: str, *, permitted: bool, continues: bool) -> str:
    if _HOSTILE.search(text):
        return CONFRONT
    if _NOT_AUTONOMY.search(text):
        return CONFRONT
    if _advises(text):
        return PERSUADE_WITH_PERMISSION if permitted or _QUALIFIES_ADVICE.search(text) else PERSUADE
    if _AUTONOMY.search(text):
        return EMPHASIZE_AUTONOMY
    if _STRENGTH.search(text):
        return AFFIRM
    if _COLLABORATES.search(text):
        return SEEK_COLLABORATION
    reflection = _reflection_code(text, client_text, continues=continues)
    if reflection:
        return reflection
    if _INFORMS.search(text):
        return GIVE_INFORMATION
    return OTHER


# The client asked for advice, or said yes to being offered some.
_CLIENT_ASKS = _any(
    r"\bwhat (?:should|can|could|do) i do\b",
    r"\bwhat do you (?:think|suggest|recommend)\b",
    r"\b(?:any|some) (?:advice|ideas|tips|suggestions)\b",
    r"\bwhat would you do\b",
    r"\btell me what to do\b",
    r"\bhow (?:do|can|should) i\b",
    r"^(?:yes|yeah|sure|ok(?:ay)?|go ahead|please|i guess so|fine)\b[^?]{0,40}$",
)


def code_turn(student_text: str, *, client_text: str = "") -> tuple[str, ...]:
    """The MITI codes of a student turn, in the order it does them; at least one (`other`).

    client_text is the client's last line: a reflection must carry something of it, and advice
    the client asked for is given with permission."""
    client_text = client_text.replace("\u2019", "'").strip()
    asked = bool(_CLIENT_ASKS.search(client_text))
    return _merged(_utterance_codes(utterances(student_text), client_text, permitted=asked))


# The first words finish the client's own sentence: "...and you're afraid it won't stop."
_CONTINUES = re.compile(r"^(?:and|because|even though|which)\b", re.IGNORECASE)


def _utterance_codes(pieces: list[str], client_text: str, *, permitted: bool) -> Iterator[str]:
    for index, piece in enumerate(pieces):
        if _is_question(piece):
            code = _question_code(piece)
        elif _ASKING_STATEMENT.search(piece):
            code = OPEN_QUESTION
        else:
            continues = index == 0 and bool(client_text) and bool(_CONTINUES.match(piece))
            code = _statement_code(piece, client_text, permitted=permitted, continues=continues)
        if code == SEEK_COLLABORATION:
            permitted = True  # asked first: advice later in the turn is given with permission
        yield code


def _merged(codes: Iterator[str]) -> tuple[str, ...]:
    """One code per run of the same code, except questions: MITI codes a reflection that goes
    on for two sentences once, as complex (it adds to itself), but counts every question, so
    three closed questions fired in one turn are three (a run that costs trust)."""
    merged: list[str] = []
    for code in codes:
        previous = merged[-1] if merged else None
        if previous in REFLECTIONS and code in REFLECTIONS:
            merged[-1] = COMPLEX_REFLECTION
        elif code != previous or code in QUESTIONS:
            merged.append(code)
    return tuple(merged) or (OTHER,)
