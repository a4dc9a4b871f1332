"""Every citizen-facing string of the conversation core, in Vietnamese (one place per language)."""

from __future__ import annotations

# --- general conversation (core helper) -------------------------------------------------

GREETING = (
    "Xin chào ông/bà! Tôi là Trợ lý Một cửa.\n"
    "Tôi có thể giúp ông/bà:\n"
    "• tìm hiểu thủ tục hành chính: cần giấy tờ gì, mất bao lâu, lệ phí bao nhiêu, "
    "nộp ở đâu, có nộp trực tuyến được không;\n"
    "• xem hồ sơ đã nộp đang đến bước nào, theo mã số trên giấy biên nhận.\n\n"
    "Ông/bà cứ nhắn câu hỏi, ví dụ: “làm giấy khai sinh cần gì”."
)
HELP = (
    "Trợ lý Một cửa có thể giúp ông/bà:\n\n"
    "1. Hỏi về thủ tục hành chính: nhắn tên thủ tục hoặc câu hỏi, có dấu hay không dấu đều "
    "được, ví dụ:\n"
    "• “đăng ký kết hôn cần giấy tờ gì”\n"
    "• “làm hộ chiếu mất bao lâu”\n"
    "• “lệ phí đăng ký tạm trú”\n"
    "• “cap doi can cuoc o dau”\n"
    "Sau đó ông/bà hỏi tiếp được, ví dụ “còn lệ phí thì sao?”.\n\n"
    "2. Tra cứu hồ sơ đã nộp: nhắn mã hồ sơ in trên Giấy tiếp nhận hồ sơ và hẹn trả kết quả "
    "(ví dụ 000.00.20.H56-210615-0001) hoặc gửi ảnh mã QR trên giấy đó.\n"
    "Nhắn “/hoso” để xem các hồ sơ ông/bà đang theo dõi."
)
THANKS = "Dạ, không có gì ạ. Ông/bà cần hỏi thêm thủ tục nào cứ nhắn cho tôi."
GOODBYE = "Chào ông/bà. Khi cần hỏi về thủ tục hay hồ sơ, ông/bà cứ nhắn cho tôi."
ACK = "Dạ. Ông/bà cần hỏi thêm về thủ tục hay hồ sơ nào, cứ nhắn cho tôi."
IDENTITY = (
    "Tôi là Trợ lý Một cửa, một chương trình trả lời tự động theo dữ liệu thủ tục hành chính "
    "trên Cổng Dịch vụ công quốc gia. Tôi giúp ông/bà biết thủ tục cần giấy tờ gì, mất bao "
    "lâu, lệ phí, nơi nộp, và xem hồ sơ đã nộp đến bước nào.\n"
    "Ông/bà cứ nhắn câu hỏi, ví dụ “làm hộ chiếu cần gì”. Cần gặp cán bộ, ông/bà liên hệ "
    "Bộ phận Một cửa nơi nộp hồ sơ."
)
WEATHER = (
    "Xin lỗi ông/bà, tôi không có thông tin thời tiết. Tôi chỉ trả lời về thủ tục hành chính "
    "và hồ sơ tại Bộ phận Một cửa, ví dụ “đăng ký tạm trú cần giấy tờ gì”."
)
PRICES = (
    "Xin lỗi, tôi không có thông tin giá cả thị trường. Tôi có thể cho ông/bà biết lệ phí "
    "của thủ tục hành chính, ví dụ “lệ phí cấp hộ chiếu”."
)
JOKE = (
    "Tôi không kể chuyện cười được ạ, nhưng có thể giúp ông/bà làm giấy tờ nhanh hơn. "
    "Ông/bà thử hỏi, ví dụ “đăng ký khai sinh cần gì”."
)
INSULT = (
    "Xin lỗi nếu tôi chưa giúp được ông/bà. Ông/bà nhắn lại ngắn gọn tên thủ tục và điều "
    "muốn biết (giấy tờ, thời hạn, lệ phí, nơi nộp) để tôi trả lời đúng hơn, hoặc liên hệ "
    "Bộ phận Một cửa để được cán bộ hỗ trợ."
)
OFF_TOPIC = (
    "Xin lỗi ông/bà, câu hỏi này nằm ngoài phạm vi của tôi. Tôi chỉ giúp về thủ tục hành chính "
    "và hồ sơ tại Bộ phận Một cửa, ví dụ “làm căn cước mất bao lâu”, hoặc gõ mã hồ sơ để tra "
    "cứu. Nhắn “trợ giúp” để xem hướng dẫn."
)
EMPTY_MESSAGE = (
    "Ông/bà chưa nhập nội dung. Ông/bà hãy nhắn câu hỏi về thủ tục, ví dụ "
    "“đăng ký kết hôn cần giấy tờ gì”, hoặc nhắn “trợ giúp” để xem hướng dẫn."
)
NOT_UNDERSTOOD = (
    "Xin lỗi, tôi chưa hiểu ý ông/bà. Ông/bà vui lòng nhắn bằng chữ tên thủ tục hoặc câu hỏi, "
    "ví dụ “làm hộ chiếu ở đâu”, hoặc nhắn “trợ giúp” để xem hướng dẫn."
)
TOO_LONG = (
    "Tin nhắn của ông/bà khá dài nên tôi chỉ đọc phần đầu. Lần sau ông/bà nhắn ngắn gọn "
    "câu hỏi giúp tôi để được trả lời chính xác hơn."
)
INTERNAL_ERROR = (
    "Xin lỗi ông/bà, hệ thống vừa gặp trục trặc nên tôi chưa trả lời được. "
    "Ông/bà vui lòng thử lại sau ít phút."
)
IMAGE_UNSUPPORTED = (
    "Xin lỗi, tôi chưa đọc được ảnh. Nếu đó là giấy biên nhận hồ sơ, ông/bà vui lòng nhắn "
    "mã hồ sơ in trên giấy (ví dụ 000.00.20.H56-210615-0001)."
)
DATABASE_DOWN = (
    "Xin lỗi ông/bà, phần tra cứu hồ sơ đang tạm gián đoạn. Ông/bà vui lòng thử lại sau ít phút; "
    "câu hỏi về thủ tục hành chính tôi vẫn trả lời được."
)
DOSSIERS_UNAVAILABLE = (
    "Xin lỗi, chức năng tra cứu hồ sơ hiện chưa được bật. Ông/bà vui lòng liên hệ Bộ phận "
    "Một cửa nơi đã nộp hồ sơ để được hỗ trợ."
)
NO_CHOICE_PENDING = (
    "Xin lỗi, tôi chưa rõ ông/bà chọn gì. Ông/bà vui lòng nhắn câu hỏi về thủ tục, ví dụ "
    "“đăng ký khai sinh cần gì”."
)
LOOKUP_HOW = (
    "Để xem hồ sơ đang đến bước nào, ông/bà nhắn mã hồ sơ in trên Giấy tiếp nhận hồ sơ và hẹn "
    "trả kết quả (ví dụ 000.00.20.H56-210615-0001), hoặc gửi ảnh mã QR trên giấy đó.\n"
    "Nhắn “/hoso” để xem các hồ sơ ông/bà đang theo dõi."
)
STALE_BUTTON = "Lựa chọn này đã hết hiệu lực. Ông/bà vui lòng nhắn lại câu hỏi giúp tôi."
CHOICE_OUT_OF_RANGE = (
    "Ông/bà vui lòng nhắn một số từ 1 đến {count} để chọn thủ tục, hoặc nhắn câu hỏi mới."
)

# --- procedure answers (core helper) ---------------------------------------------------

NOT_IN_KNOWLEDGE_BASE = (
    "Xin lỗi, tôi chưa tìm thấy thủ tục phù hợp với câu hỏi này trong dữ liệu của tôi.\n"
    "Ông/bà có thể:\n"
    "• hỏi lại ngắn gọn bằng tên thủ tục, ví dụ “đăng ký khai sinh”, “cấp đổi căn cước”;\n"
    "• tra cứu trên Cổng Dịch vụ công quốc gia: {portal_url}"
)
# A question about something the records do not cover, with who handles it instead (the kinds
# of knowledge/lexicon.toml's [out_of_scope.handled_by]; a kind without a text here gets
# NOT_IN_KNOWLEDGE_BASE).
OUT_OF_SCOPE_HANDLED_BY = {
    "shopping": (
        "Xin lỗi, tôi không so sánh giá hay giới thiệu cơ sở, dịch vụ nào. Tôi chỉ trả lời về "
        "thủ tục hành chính: giấy tờ, thời hạn, lệ phí nhà nước, nơi nộp."
    ),
    "welfare": (
        "Xin lỗi, dữ liệu của tôi chưa có các chế độ trợ cấp, bảo trợ xã hội. Ông/bà vui lòng "
        "hỏi Bộ phận Một cửa của Ủy ban nhân dân cấp xã nơi cư trú."
    ),
    "jobs": (
        "Xin lỗi, dữ liệu của tôi chưa có thủ tục về việc làm, trợ cấp thất nghiệp hay giấy "
        "phép lao động. Ông/bà vui lòng hỏi Trung tâm Dịch vụ việc làm hoặc cơ quan quản lý "
        "lao động ở địa phương."
    ),
    "court": (
        "Xin lỗi, việc này do Tòa án giải quyết, không thuộc các thủ tục tôi có dữ liệu. "
        "Ông/bà vui lòng liên hệ Tòa án nhân dân có thẩm quyền hoặc luật sư để được hướng dẫn."
    ),
    "school": (
        "Xin lỗi, dữ liệu của tôi chưa có thủ tục về tuyển sinh, học tập, thi cử. Ông/bà vui "
        "lòng hỏi nhà trường hoặc cơ quan quản lý giáo dục ở địa phương."
    ),
    "health": (
        "Xin lỗi, việc khám chữa bệnh, tiêm chủng do cơ sở y tế giải quyết, tôi không có dữ "
        "liệu. Ông/bà vui lòng liên hệ bệnh viện, trạm y tế gần nhất."
    ),
    "utilities": (
        "Xin lỗi, việc điện, nước, điện thoại, internet do đơn vị cung cấp dịch vụ giải quyết "
        "(điện lực, công ty cấp nước, nhà mạng). Ông/bà vui lòng liên hệ tổng đài hoặc điểm "
        "giao dịch của đơn vị đó."
    ),
    "banks": (
        "Xin lỗi, tôi không có thông tin về dịch vụ của ngân hàng, công ty bảo hiểm hay chứng "
        "khoán. Ông/bà vui lòng hỏi trực tiếp ngân hàng hoặc công ty đó."
    ),
    "abroad": (
        "Xin lỗi, thị thực (visa) đi nước ngoài do đại sứ quán hoặc lãnh sự quán của nước đến "
        "cấp, không thuộc thủ tục tại Bộ phận Một cửa. Ông/bà vui lòng xem trang thông tin của "
        "cơ quan đại diện nước đó."
    ),
    "traffic_fines": (
        "Xin lỗi, việc xử phạt vi phạm giao thông do lực lượng Cảnh sát giao thông giải quyết, "
        "tôi không có dữ liệu. Ông/bà vui lòng liên hệ cơ quan đã lập biên bản."
    ),
}
OUT_OF_SCOPE_PORTAL = (
    "\nVề thủ tục hành chính khác, ông/bà cứ hỏi tôi hoặc tra cứu trên Cổng Dịch vụ công "
    "quốc gia: {portal_url}"
)
PROCEDURE_UNKNOWN_CODE = (
    "Xin lỗi, tôi không tìm thấy thủ tục mã {code} trong dữ liệu của tôi. Ông/bà có thể nhắn "
    "tên thủ tục, hoặc tra cứu trên Cổng Dịch vụ công quốc gia: {portal_url}"
)
# How to choose is the channel's to say (buttons; a numbered list answered with a digit): a
# one-shot channel (``motcua ask``) cannot take a digit.
CHOOSE_PROCEDURE = (
    "Câu hỏi của ông/bà có thể ứng với các thủ tục sau:\n{options}\n\n"
    "Ông/bà chọn một thủ tục để tôi trả lời đúng."
)
CHOOSE_AGAIN = "Ông/bà chọn giúp tôi thủ tục trước nhé:\n{options}"
ASK_WHICH_PROCEDURE = (
    "Ông/bà muốn hỏi về thủ tục nào ạ? Ông/bà nhắn kèm tên thủ tục giúp tôi, ví dụ "
    "“lệ phí đăng ký kết hôn” hoặc “làm hộ chiếu mất bao lâu”."
)
# The same procedure is kept at several levels (xã / tỉnh / trung ương): which one was shown.
LEVEL_FOR_CITIZENS = (
    "Thủ tục này được thực hiện ở nhiều cấp; thông tin trên là ở {level}, nơi người dân "
    "thường nộp hồ sơ. Cần cấp khác, ông/bà bấm nút bên dưới."
)
LEVEL_ASKED = (
    "Thủ tục này được thực hiện ở nhiều cấp; thông tin trên là ở {level}, như ông/bà hỏi. "
    "Cần cấp khác, ông/bà bấm nút bên dưới."
)
LEVEL_BUTTON = "Xem ở {level}"
ALTERNATIVES = "Nếu ông/bà hỏi thủ tục khác, có thể là:\n{options}\nÔng/bà bấm nút để xem."
ALTERNATIVE_LINE = "• {name}"
CHOICE_LINE = "{number}. {name}"
CHOICE_NAME = "{name} ({level})"
QUOTED_NAME = "thủ tục “{name}”"
PROCEDURE_PREFIX = "Thủ tục "  # stripped from record names before quoting them

OVERVIEW_TITLE = "Thủ tục “{name}” (mã {code})"
OVERVIEW_PLACE = "• Cơ quan thực hiện: {place}"
OVERVIEW_AGENCY_LEVEL = "{agency} ({levels})"
OVERVIEW_LEVEL = "• Cấp thực hiện: {levels}"
OVERVIEW_TIME = "• Thời hạn giải quyết: {time}"
OVERVIEW_FEE = "• Phí, lệ phí: {fee}"
OVERVIEW_ONLINE_YES = "• Nộp trực tuyến: có"
OVERVIEW_ONLINE_NO = "• Nộp trực tuyến: chưa có"
OVERVIEW_ONLINE_BOOK = (
    "• Nộp trực tuyến: chưa, chỉ đăng ký trước thời gian, địa điểm; vẫn phải đến nộp hồ sơ"
)
OVERVIEW_ONLINE_DECLARE = "• Nộp trực tuyến: chỉ gửi trước; vẫn phải đến nộp đầy đủ hồ sơ"
OVERVIEW_RESULT = "• Kết quả: {results}"
NEXT_STEP = (
    "Ông/bà cần biết thêm gì về thủ tục này? Bấm một nút bên dưới hoặc nhắn câu hỏi, "
    "ví dụ “cần giấy tờ gì”."
)
SOURCE_LINK = "Thông tin chính thức: {url}"
SOURCE_NO_LINK = "Tra cứu mã thủ tục {code} trên Cổng Dịch vụ công quốc gia: {portal_url}"
CUT_SHORT = "… (xem đầy đủ tại trang chính thức)"
FULL_BUTTON = "Xem đầy đủ"

ASPECT_BUTTONS = {
    "documents": "Hồ sơ cần gì",
    "time": "Thời hạn",
    "fee": "Lệ phí",
    "place": "Nơi nộp",
    "online": "Nộp trực tuyến",
    "steps": "Các bước",
    "conditions": "Điều kiện",
    "legal": "Căn cứ pháp lý",
}
WAY_NAMES = {
    "trực tiếp": "Nộp trực tiếp",
    "trực tuyến": "Nộp trực tuyến",
    "dịch vụ bưu chính": "Qua bưu chính",
}
ALL_WAYS = "Mọi hình thức nộp"

DOCUMENTS_TITLE = "Hồ sơ cần chuẩn bị cho {name}:"
DOCUMENTS_CASE = "{case}:"
DOCUMENT_NUMBERED = "{number}. {name}"
DOCUMENT_COPIES = " ({copies})"
DOCUMENT_ONE_ORIGINAL = "1 bản chính"  # the usual count, not repeated on every line
DOCUMENT_TO_SHOW = " (xuất trình)"
DOCUMENT_FORM = " (mẫu: {form})"
DOCUMENT_NOTE = "• {note}"
DOCUMENTS_NOTES_TITLE = "Lưu ý:"
DOCUMENTS_MORE = "Còn {what}: ông/bà bấm “Xem đầy đủ”."
DOCUMENTS_MORE_PAPERS = "{count} giấy tờ khác"
DOCUMENTS_MORE_CASES = "{papers} giấy tờ cho {count} trường hợp riêng"
DOCUMENTS_MORE_NOTES = "{count} lưu ý"
DOCUMENTS_NONE = (
    "Dữ liệu của tôi chưa có danh sách thành phần hồ sơ của {name}. Ông/bà vui lòng xem trên "
    "trang chính thức dưới đây hoặc hỏi Bộ phận Một cửa nơi nộp hồ sơ."
)

TIME_TITLE = "Thời hạn giải quyết {name}:"
TIME_LINE = "• {ways}: {time}"
TIME_SINGLE = "Thời hạn giải quyết {name}: {time}."
TIME_EITHER = "{times}, tùy trường hợp"
TIME_BARE = "trang chính thức ghi “{raw}”, không ghi đơn vị"
TIME_EVIDENCE = "Phần {where} có ghi: “{quote}”"
TIME_IN_DESCRIPTION = "mô tả cách nộp"
TIME_IN_STEPS = "trình tự thực hiện"
TIME_NONE = "Trang chính thức chưa ghi thời hạn giải quyết cho {name}."
TIME_UNITS = {
    "working_days": "{amount} ngày làm việc",
    "days": "{amount} ngày",
    "hours": "{amount} giờ",
    "same_day": "trong ngày",
}
TIME_COUNTED_FROM = "Thời hạn thường tính từ khi cơ quan nhận đủ hồ sơ hợp lệ."

FEE_TITLE = "Phí, lệ phí của {name}:"
FEE_LINE = "• {ways}: {fee}"
FEE_SINGLE = "• {fee}"
FEE_SINGLE_NOTE = "Ghi chú: {note}"
FEE_NOTE = "  Ghi chú: {note}"
FEE_FREE = "Miễn phí"
FEE_AMOUNT = "{amount} đồng"
FEE_USD = "{amount} USD"
FEE_THOUSANDS = "{raw} (nhiều khả năng là {amount})"
FEE_THOUSANDS_CONFIRMED = "{amount} (mục mức phí ghi “{raw}”)"
FEE_PAGE_SAYS_FREE = "mục mức phí ghi “Miễn phí”, kèm ghi chú"
FEE_PER_NOTE_AMOUNT = "{amounts} (theo ghi chú)"
FEE_PER_NOTE = "theo ghi chú trên trang chính thức"
FEE_REDUCED_NOW = " (ghi chú nêu mức giảm đang áp dụng)"
FEE_FLAG_FREE_BUT_AMOUNT = (
    "Lưu ý: mục mức phí trên trang chính thức ghi “Miễn phí”, nhưng ghi chú nêu mức thu; "
    "ông/bà nên hỏi lại nơi nộp hồ sơ."
)
FEE_FLAG_FREE_BUT_RULE = (
    "Lưu ý: mục mức phí ghi “Miễn phí”, nhưng ghi chú cho biết mức thu theo văn bản hoặc "
    "cơ quan nêu trong đó; ông/bà nên hỏi lại nơi nộp hồ sơ."
)
FEE_FLAG_CONTRADICTED = (
    "Lưu ý: mức này khác với mức nêu trong ghi chú của trang chính thức; ông/bà nên hỏi lại "
    "nơi nộp hồ sơ."
)
FEE_FLAG_EXPIRED = (
    "Lưu ý: theo ghi chú, mức này chỉ áp dụng đến hết ngày {date}; mức hiện hành ông/bà vui "
    "lòng hỏi nơi nộp hồ sơ."
)
FEE_CLAUSE_LAPSED = " [đã hết thời hạn áp dụng]"
FEE_NOTE_AS_ABOVE = "như trên"
FEE_WITH_NOTE = "{fee} (ghi chú: {note})"
FEE_SEE_BUTTON = " (bấm “Lệ phí” để xem ghi chú)"
FEE_NONE = "Trang chính thức chưa ghi mức phí, lệ phí cho {name}."
FEE_CHECK = "Mức thu có thể thay đổi; ông/bà vui lòng đối chiếu trên trang chính thức."

PLACE_TITLE = "Nơi nộp hồ sơ {name}:"
PLACE_AGENCY = "• Cơ quan thực hiện: {agency}"
PLACE_ADDRESS = "• Nơi tiếp nhận: {address}"
PLACE_LEVEL = "• Cấp thực hiện: {levels}"
PLACE_DIRECT = "• Nộp trực tiếp: {description}"
PLACE_COMMUNE_HINT = (
    "Thủ tục cấp xã thường nộp tại Trung tâm Phục vụ hành chính công (Bộ phận Một cửa) "
    "của xã, phường."
)
PLACE_ONLINE_TOO = "Thủ tục này cũng nộp trực tuyến được trên Cổng Dịch vụ công quốc gia."
PLACE_ONLINE_BOOK = (
    "Ông/bà có thể đăng ký trước thời gian, địa điểm trên Cổng Dịch vụ công quốc gia, nhưng "
    "vẫn phải đến nộp hồ sơ trực tiếp."
)
PLACE_NONE = (
    "Trang chính thức chưa ghi rõ nơi nộp hồ sơ {name}. Ông/bà vui lòng liên hệ Bộ phận "
    "Một cửa của xã/phường hoặc xem trang chính thức."
)

ONLINE_YES = "Có, {name} nộp trực tuyến được."
ONLINE_BOOK_ONLY = (
    "Chưa hẳn: với {name}, trên mạng ông/bà chỉ đăng ký trước thời gian, địa điểm làm thủ "
    "tục; sau đó vẫn phải đến nộp hồ sơ trực tiếp."
)
ONLINE_DECLARE_ONLY = (
    "Chưa hẳn: với {name}, gửi trực tuyến chỉ là bước trước; ông/bà vẫn phải đến nộp đầy đủ hồ sơ."
)
ONLINE_RECORD_SAYS = "Trang chính thức ghi: “{quote}”"
ONLINE_BOOK_WHERE = "Đăng ký trước trên Cổng Dịch vụ công quốc gia: {portal_url}"
ONLINE_TERMS = "Khi nộp trực tuyến:"
ONLINE_TIME = "• Thời hạn giải quyết: {time}"
ONLINE_FEE = "• Phí, lệ phí: {fee}"
ONLINE_HOW = "Cách nộp: {description}"
ONLINE_WHERE = "Ông/bà nộp trên Cổng Dịch vụ công quốc gia: {portal_url}"
ONLINE_NO = "Theo dữ liệu của tôi, {name} chưa có hình thức nộp trực tuyến. Ông/bà có thể {ways}."
ONLINE_NO_WAYS = (
    "Theo dữ liệu của tôi, {name} chưa có hình thức nộp trực tuyến. Ông/bà vui lòng xem "
    "cách nộp trên trang chính thức."
)

STEPS_TITLE = "Trình tự thực hiện {name}:"
STEPS_NONE = "Trang chính thức chưa mô tả trình tự thực hiện {name}."
CONDITIONS_TITLE = "Yêu cầu, điều kiện để thực hiện {name}:"
CONDITIONS_NONE = "Theo trang chính thức, {name} không có yêu cầu, điều kiện riêng."
LEGAL_TITLE = "Căn cứ pháp lý của {name}:"
LEGAL_NONE = "Trang chính thức chưa ghi căn cứ pháp lý cho {name}."

# --- dossiers: lookup, tokens, subscriptions (dossier helper) ---------------------------

DOSSIER_STATUS_LABELS: dict[str, str] = {
    "registered": "Mới đăng ký, chờ tiếp nhận",
    "received": "Đã tiếp nhận",
    "processing": "Đang xử lý",
    "supplement_required": "Yêu cầu bổ sung hồ sơ",
    "financial_obligation": "Chờ thực hiện nghĩa vụ tài chính",
    "rejected": "Từ chối giải quyết",
    "paused": "Dừng xử lý",
    "withdrawn": "Công dân đã rút hồ sơ",
    "result_ready": "Đã có kết quả, chờ trả",
    "returned": "Đã trả kết quả",
}
DOSSIER_STATUS_UNKNOWN = "Đang cập nhật"

DOSSIER_HEADER = "Hồ sơ {code}"
DOSSIER_PROCEDURE = "Thủ tục: {name}"
DOSSIER_APPLICANT = "Người nộp: {name}"
DOSSIER_STATUS = "Trạng thái: {label}"
DOSSIER_FILED = "Ngày nộp: {date}"
DOSSIER_RECEIVED = "Ngày tiếp nhận: {date}"
DOSSIER_DUE = "Hẹn trả kết quả: {date}"
DOSSIER_NEW_DUE = "Ngày hẹn trả mới: {date}"
DOSSIER_NOT_ACCEPTED = (
    "Hồ sơ chưa được tiếp nhận nên chưa có ngày hẹn trả kết quả; thời hạn giải quyết được tính "
    "từ khi Bộ phận Một cửa tiếp nhận hồ sơ."
)
DOSSIER_DUE_TODAY = "Hôm nay là ngày hẹn trả kết quả."
DOSSIER_DAYS_LEFT = "Còn {days} ngày làm việc đến ngày hẹn trả kết quả."
# The clock is stopped: nothing is late while the citizen owes the next step or it is paused.
DOSSIER_CLOCK_STOPPED = {
    "supplement_required": "Thời hạn giải quyết tạm dừng{since}, chờ ông/bà bổ sung hồ sơ.",
    "financial_obligation": (
        "Thời hạn giải quyết tạm dừng{since}, chờ ông/bà thực hiện nghĩa vụ tài chính."
    ),
    "paused": "Thời hạn giải quyết tạm dừng{since}, trong thời gian hồ sơ dừng xử lý.",
}
DOSSIER_CLOCK_SINCE = " từ ngày {date}"
# What resumes the clock, per status; {left} is one of the two phrases after.
DOSSIER_CLOCK_RESUMES = {
    "supplement_required": "Sau khi ông/bà nộp đủ giấy tờ, thời hạn được tính tiếp ({left}).",
    "financial_obligation": "Sau khi ông/bà nộp xong, thời hạn được tính tiếp ({left}).",
    "paused": "Khi hồ sơ được xử lý lại, thời hạn được tính tiếp ({left}).",
}
DOSSIER_CLOCK_LEFT_DAYS = "còn {days} ngày làm việc"
DOSSIER_CLOCK_LEFT_HOURS = "còn chưa đến một ngày làm việc"
DOSSIER_CLOCK_RESTARTS = "Sau khi ông/bà nộp đủ giấy tờ, thời hạn giải quyết được tính lại từ đầu."
DOSSIER_CLOCK_RESUMES_LATE = "Khi hồ sơ được xử lý tiếp, cơ quan sẽ báo ông/bà ngày trả kết quả."
# Late (trễ hẹn): the clock's date passed while it ran; a new date does not undo it.
DOSSIER_LATE_DAYS = "Hồ sơ đã trễ hẹn {days} ngày làm việc. Chúng tôi thành thật xin lỗi ông/bà."
DOSSIER_LATE_TODAY = "Hồ sơ đã trễ hẹn trả kết quả. Chúng tôi thành thật xin lỗi ông/bà."
DOSSIER_LATE_LETTER_FOLLOWS = (
    "Cơ quan giải quyết sẽ gửi ông/bà phiếu xin lỗi và hẹn lại ngày trả kết quả."
)
DOSSIER_LATE_RESCHEDULED = (
    "Hồ sơ trễ hẹn so với ngày hẹn {due}; cơ quan đã hẹn lại ngày trả kết quả là {new_due}. "
    "Chúng tôi thành thật xin lỗi ông/bà."
)
DOSSIER_NEW_DUE_LEFT = "Còn {days} ngày làm việc đến ngày hẹn trả mới."
DOSSIER_NEW_DUE_TODAY = "Hôm nay là ngày hẹn trả mới."
DOSSIER_LATE_TWICE = (
    "Hồ sơ đã quá cả ngày hẹn {due} và ngày hẹn lại {new_due}. Chúng tôi thành thật xin lỗi "
    "ông/bà; cơ quan giải quyết sẽ báo ông/bà ngày hẹn trả mới."
)
DOSSIER_RESCHEDULED_AHEAD = "Cơ quan đã hẹn lại ngày trả kết quả là {new_due}."
DOSSIER_APOLOGY_REASON = "Lý do trễ hẹn: {reason}"
DOSSIER_RESCHEDULE_REASON = "Lý do hẹn lại: {reason}"

DOSSIER_NEXT_STEP: dict[str, str] = {
    "registered": (
        "Ông/bà chờ cán bộ kiểm tra và tiếp nhận hồ sơ; khi tiếp nhận, cơ quan sẽ gửi giấy tiếp "
        "nhận và hẹn trả kết quả. Nếu hồ sơ cần bổ sung, cán bộ sẽ báo ông/bà."
    ),
    "received": "Hồ sơ đã được tiếp nhận và sẽ được chuyển xử lý; ông/bà chưa cần làm gì thêm.",
    "processing": "Hồ sơ đang được xử lý; ông/bà chưa cần làm gì thêm.",
    "supplement_required": (
        "Ông/bà vui lòng bổ sung giấy tờ còn thiếu: {note}. "
        "Mang giấy tờ cùng giấy biên nhận đến {place}."
    ),
    "financial_obligation": (
        "Ông/bà vui lòng nộp phí, lệ phí hoặc thực hiện nghĩa vụ tài chính{note_suffix}, "
        "sau đó hồ sơ sẽ được xử lý tiếp."
    ),
    "result_ready": (
        "Kết quả đã có. Ông/bà mang giấy biên nhận và giấy tờ tùy thân đến {place} để nhận."
    ),
    "rejected": "Hồ sơ không được giải quyết. Lý do: {note}",
    "paused": "Hồ sơ tạm dừng xử lý. {note}",
    "withdrawn": "Hồ sơ đã được rút theo đề nghị của người nộp; không cần làm gì thêm.",
    "returned": "Kết quả đã được trả. Cảm ơn ông/bà đã sử dụng dịch vụ.",
}
DOSSIER_NOTE_MISSING = "cơ quan chưa ghi chi tiết, ông/bà vui lòng liên hệ {contact}"
DOSSIER_NEXT_STEP_TITLE = "Việc cần làm: {text}"
DOSSIER_CONTACT = "Cần hỗ trợ: {contact}."

DOSSIER_MALFORMED = (
    "Mã hồ sơ “{raw}” chưa đúng dạng. Mã hồ sơ in trên giấy biên nhận có dạng "
    "mã cơ quan - ngày nhận (yymmdd) - số thứ tự, ví dụ: {example}.\n"
    "Ông/bà vui lòng gõ lại mã, hoặc gửi ảnh mã QR trên giấy biên nhận."
)
DOSSIER_CODE_EXAMPLE = "000.00.20.H56-210615-0001"
DOSSIER_PROCEDURE_NOT_RECEIPT = (
    "“{raw}” là mã thủ tục hành chính, không phải mã hồ sơ. Mã hồ sơ in trên giấy biên nhận có "
    "dạng {example}. Nếu ông/bà muốn hỏi về thủ tục, hãy gõ tên thủ tục."
)
DOSSIER_UNKNOWN = (
    "Tôi chưa tìm thấy hồ sơ có mã {code}. Ông/bà vui lòng kiểm tra lại mã trên giấy biên "
    "nhận (hoặc gửi ảnh mã QR trên giấy). Hồ sơ vừa nộp có thể chưa được cập nhật; nếu cần, "
    "ông/bà liên hệ {contact}."
)
# Lookups beyond the limits (handlers/dossiers/lookup.py): proof asked for, or a refusal.
DOSSIER_TOO_MANY_FAILURES = (
    "Ông/bà đã gửi nhiều mã hồ sơ không có trong hệ thống. Ông/bà vui lòng kiểm tra lại mã trên "
    "giấy biên nhận và thử lại sau khoảng {wait}, hoặc gửi ảnh mã QR trên giấy biên nhận. "
    "Cần hỗ trợ: {contact}."
)
DOSSIER_STEP_UP_BUSY = (
    "Ông/bà đã tra cứu nhiều hồ sơ trong thời gian ngắn. Để xem hồ sơ {code}, ông/bà vui lòng "
    "gõ 4 chữ số cuối của số điện thoại đã khai khi nộp hồ sơ, hoặc gửi ảnh mã QR trên giấy "
    "biên nhận."
)
DOSSIER_STEP_UP_STORM = (
    "Hệ thống đang nhận nhiều lượt tra cứu sai mã nên cần thêm một bước xác minh. Để xem hồ sơ "
    "{code}, ông/bà vui lòng gõ 4 chữ số cuối của số điện thoại đã khai khi nộp hồ sơ, hoặc "
    "gửi ảnh mã QR trên giấy biên nhận."
)
DOSSIER_ASK_DIGITS_NOTE = (
    "Để xem ghi chú của cơ quan về hồ sơ {code}, ông/bà vui lòng gõ 4 chữ số cuối của số điện "
    "thoại đã khai khi nộp hồ sơ, hoặc gửi ảnh mã QR trên giấy biên nhận."
)
# Shown in place of the agency's note to a lookup by code alone (inside the next-step text).
DOSSIER_NOTE_HIDDEN = "cơ quan đã ghi rõ, ông/bà bấm “Xem ghi chú” để xem"
DOSSIER_BUTTON_NOTE = "Xem ghi chú"
DOSSIER_WAIT_SECONDS = "{n} giây"
DOSSIER_WAIT_MINUTES = "{n} phút"

DOSSIER_BUTTON_SUBSCRIBE = "Nhận thông báo"
DOSSIER_BUTTON_UNSUBSCRIBE = "Hủy theo dõi {code}"
DOSSIER_BUTTON_CANCEL = "Thôi"

DOSSIER_TOKEN_EXPIRED = (
    "Mã QR này đã hết hạn sử dụng. Ông/bà vui lòng gõ mã hồ sơ in trên giấy biên nhận để xem "
    "trạng thái, hoặc đề nghị Bộ phận Một cửa in lại mã QR."
)
DOSSIER_TOKEN_INVALID = (
    "Mã QR hoặc đường liên kết này không hợp lệ hoặc đã bị thay đổi. Ông/bà vui lòng quét "
    "lại mã QR in trên giấy biên nhận, hoặc gõ mã hồ sơ."
)
DOSSIER_QR_NOT_FOUND = (
    "Tôi chưa đọc được mã QR trong ảnh. Ông/bà vui lòng chụp lại thẳng, đủ sáng, để mã QR "
    "trên giấy biên nhận nằm trọn trong khung hình; hoặc gõ mã hồ sơ in dưới mã QR."
)
DOSSIER_QR_TOO_LARGE = (
    "Ảnh ông/bà gửi quá lớn nên tôi chưa đọc được. Ông/bà vui lòng chụp riêng phần mã QR trên "
    "giấy biên nhận bằng điện thoại rồi gửi lại, hoặc gõ mã hồ sơ."
)
DOSSIER_QR_BUSY = (
    "Hệ thống đang đọc nhiều ảnh cùng lúc. Ông/bà vui lòng gửi lại ảnh sau ít phút, hoặc gõ mã "
    "hồ sơ in trên giấy biên nhận."
)
DOSSIER_QR_PROCEDURE = (
    "Đây là mã QR của thủ tục {code} trên bảng niêm yết. Bấm nút bên dưới để xem thủ tục."
)
DOSSIER_QR_FOREIGN = (
    "Mã QR này không phải mã trên giấy biên nhận của Bộ phận Một cửa. Ông/bà vui lòng gửi ảnh "
    "mã QR trên giấy biên nhận, hoặc gõ mã hồ sơ."
)

DOSSIER_SUBSCRIBED = "Ông/bà sẽ nhận thông báo khi hồ sơ {code} thay đổi trạng thái."
DOSSIER_ALREADY_SUBSCRIBED = "Ông/bà đang nhận thông báo của hồ sơ {code}."
DOSSIER_ASK_PHONE_DIGITS = (
    "Để nhận thông báo của hồ sơ {code}, ông/bà vui lòng gõ 4 chữ số cuối của số điện thoại "
    "đã khai khi nộp hồ sơ."
)
DOSSIER_PHONE_DIGITS_FORMAT = (
    "Ông/bà vui lòng gõ đúng 4 chữ số (ví dụ: 5678), hoặc gõ “thôi” để bỏ qua."
)
DOSSIER_PHONE_WRONG = (
    "4 chữ số chưa khớp với hồ sơ {code}. Ông/bà còn {left} lần thử. Nếu gõ nhầm mã hồ sơ, "
    "ông/bà gõ “thôi” rồi gửi lại mã."
)
DOSSIER_PHONE_LOCKED = (
    "Ông/bà đã nhập sai quá số lần cho phép. Vui lòng thử lại sau khoảng {wait}, hoặc quét mã "
    "QR trên giấy biên nhận để nhận thông báo ngay."
)
DOSSIER_SUBSCRIBERS_FULL = (
    "Hồ sơ {code} đã có đủ số người nhận thông báo. Nếu ông/bà là người nộp hồ sơ mà chưa nhận "
    "được thông báo, vui lòng liên hệ {contact}."
)
DOSSIER_PHONE_NONE = (
    "Hồ sơ {code} không có số điện thoại để đối chiếu. Ông/bà vui lòng quét mã QR trên giấy "
    "biên nhận để nhận thông báo."
)
DOSSIER_PHONE_CANCELLED = "Đã bỏ qua. Ông/bà có thể tra cứu hồ sơ khác bất cứ lúc nào."
DOSSIER_CANCEL_WORDS = ("thoi", "huy", "bo qua", "khong", "cancel")

DOSSIER_MY_NONE = (
    "Ông/bà chưa theo dõi hồ sơ nào. Hãy gõ mã hồ sơ trên giấy biên nhận hoặc gửi ảnh mã QR, "
    "rồi bấm “Nhận thông báo”."
)
DOSSIER_MY_TITLE = "Hồ sơ ông/bà đang theo dõi:"
DOSSIER_MY_ITEM = "{n}. {code} – {procedure}: {label}"
DOSSIER_MY_FOOTER = "Bấm nút bên dưới để hủy theo dõi một hồ sơ."
DOSSIER_UNSUBSCRIBED = "Ông/bà sẽ không nhận thông báo của hồ sơ {code} nữa."
DOSSIER_UNSUB_UNKNOWN = "Ông/bà không còn theo dõi hồ sơ này."
# A chat that cannot push (the web page): where the citizen can get updates instead.
DOSSIER_PUSH_ELSEWHERE = (
    "Trang trò chuyện này không gửi được thông báo. Để nhận thông báo khi hồ sơ {code} thay "
    "đổi trạng thái, ông/bà vui lòng nhắn mã hồ sơ cho Trợ lý Một cửa trên {where} rồi bấm "
    "“Nhận thông báo”."
)
DOSSIER_PUSH_NOWHERE = (
    "Trang trò chuyện này không gửi được thông báo. Ông/bà có thể gõ mã hồ sơ {code} tại đây "
    "bất cứ lúc nào để xem trạng thái mới nhất."
)
DOSSIER_PUSH_MY_NONE = (
    "Trang trò chuyện này không gửi được thông báo nên không có hồ sơ nào được theo dõi tại "
    "đây. Ông/bà cứ gõ mã hồ sơ để xem trạng thái mới nhất."
)
DOSSIER_PUSH_OR = " hoặc "
DOSSIER_PROCEDURE_UNKNOWN = "(chưa rõ tên thủ tục)"

QR_BOARD_TITLE = "Thủ tục hành chính – lĩnh vực {field}"
QR_BOARD_HINT = (
    "Quét mã QR bằng điện thoại để xem thành phần hồ sơ, thời hạn, lệ phí và hỏi Trợ lý Một cửa."
)
QR_BOARD_FOOTER = "{agency} · Trang {page}/{pages}"
QR_BOARD_CODE = "Mã thủ tục: {code}"

# --- dossiers: import and ingest API reasons, for staff (storage helper) ---------------
INGEST_REASONS: dict[str, str] = {
    "missing_receipt_code": "Thiếu mã hồ sơ (receipt_code).",
    "malformed_receipt_code": "Mã hồ sơ không đúng dạng {example}: {value}.",
    "missing_received_at": "Thiếu ngày giờ tiếp nhận (received_at).",
    "received_in_future": (
        "Ngày tiếp nhận ở tương lai: {value} (giờ không ghi múi giờ được hiểu là giờ Việt Nam)."
    ),
    "in_future": (
        "Thời điểm ở trường {field} nằm ở tương lai: {value} (giờ không ghi múi giờ được hiểu "
        "là giờ Việt Nam)."
    ),
    "ambiguous_date": (
        "Ngày {value} ở trường {field} đọc được hai cách (ngày/tháng hay tháng/ngày). Hãy ghi "
        "ngày theo ISO 8601 (2026-01-12), hoặc nhập lại với --date-format dd/mm/yyyy hay "
        "--date-format mm/dd/yyyy."
    ),
    "bad_datetime": "Ngày giờ không hợp lệ ở trường {field}: {value} (cần dạng ISO 8601).",
    "missing_status": "Thiếu trạng thái (status).",
    "unknown_status": "Trạng thái không hợp lệ: {value} (dùng tên chuẩn hoặc mã số 1–10).",
    "bad_phone": "Số điện thoại không hợp lệ: {value}.",
    "bad_submitted_via": "Hình thức nộp không hợp lệ: {value} (online, direct hoặc postal).",
    "due_unknown": (
        "Thiếu hạn trả (due_at) và không tính được từ thời hạn giải quyết của thủ tục"
        " (mã thủ tục: {value})."
    ),
    "due_before_received": "Hạn trả ({field}) sớm hơn ngày tiếp nhận.",
    "too_long": "Trường {field} quá dài (tối đa {value} ký tự).",
    "malformed_row": "Dòng CSV sai cấu trúc (số cột không khớp tiêu đề).",
    "malformed_json": "Dòng không phải JSON hợp lệ.",
    "not_an_object": "Mỗi hồ sơ phải là một đối tượng JSON.",
    "unknown_dossier": "Không có hồ sơ với mã {value}.",
    "bad_body": "Nội dung yêu cầu không phải JSON hợp lệ.",
    "too_deep": "Nội dung JSON lồng nhau quá sâu (tối đa {value} cấp).",
    "body_too_large": "Nội dung yêu cầu quá lớn.",
    "too_many_rows": "Quá nhiều hồ sơ trong một yêu cầu (tối đa {value}).",
    "unauthorized": "Thiếu hoặc sai mã truy cập (Authorization: Bearer ...).",
    "api_disabled": "API tiếp nhận dữ liệu chưa được bật.",
    "unavailable": "Hệ thống tạm thời không lưu được dữ liệu. Vui lòng gửi lại sau ít phút.",
}

# --- hand-off to a person (staff console helper) ----------------------------------------
HANDOFF_BUTTON = "Hỏi cán bộ"
HANDOFF_HOURS = (
    "Giờ làm việc: sáng 8:00–12:00, chiều 13:00–17:00, từ thứ Hai đến thứ Sáu (trừ ngày nghỉ lễ)."
)
HANDOFF_AFTER_HOURS = "Bây giờ là ngoài giờ làm việc; cán bộ sẽ trả lời ông/bà từ {opening}."
HANDOFF_OPENED = (
    "Tôi đã chuyển câu hỏi của ông/bà đến cán bộ Bộ phận Một cửa.\n"
    "Mã phiếu: {code}\n"
    "{hours}\n"
    "Cán bộ sẽ trả lời ông/bà ngay trong cuộc trò chuyện này. Ông/bà có thể nhắn thêm nội "
    "dung cần hỏi; nhắn “phiếu của tôi” để xem tình trạng phiếu."
)
HANDOFF_DESCRIBE = (
    "Ông/bà vui lòng nhắn nội dung cần hỏi (thủ tục gì, vướng mắc ở đâu) để cán bộ trả lời đúng ý."
)
HANDOFF_ALREADY_OPEN = (
    "Ông/bà đang có phiếu {code} chờ cán bộ trả lời; tôi đã thêm tin nhắn này vào phiếu.\n{hours}"
)
HANDOFF_ADDED = "Tôi đã thêm nội dung này vào phiếu {code} để cán bộ đọc."
HANDOFF_BUSY = (
    "Xin lỗi, hiện có nhiều người đang chờ cán bộ nên tôi chưa tạo thêm phiếu được. "
    "Ông/bà vui lòng thử lại sau, hoặc liên hệ {contact}."
)
HANDOFF_UNAVAILABLE = (
    "Xin lỗi, từ kênh này cán bộ chưa trả lời được. Ông/bà vui lòng liên hệ {contact}."
)
HANDOFF_NO_TICKET = (
    "Ông/bà chưa có phiếu hỏi cán bộ nào. Nếu cần hỏi trực tiếp cán bộ, ông/bà nhắn “gặp cán bộ”."
)
HANDOFF_UNKNOWN_TICKET = (
    "Tôi không tìm thấy phiếu {code} của ông/bà. Ông/bà nhắn “phiếu của tôi” để xem các "
    "phiếu đã gửi từ cuộc trò chuyện này."
)
HANDOFF_STATE_TITLE = "Phiếu {code} (gửi lúc {created}): {state}."
HANDOFF_STATES = {
    "open": "đang chờ cán bộ trả lời",
    "answered": "cán bộ đã trả lời",
    "closed": "đã đóng",
}
HANDOFF_LAST_REPLY = "Trả lời của cán bộ lúc {at}:\n{text}"
HANDOFF_OTHERS = "Các phiếu trước: {codes}."
# An officer's answer, pushed through the citizen's own channel.
HANDOFF_REPLY = "Cán bộ Bộ phận Một cửa trả lời phiếu {code}:\n\n{text}"
HANDOFF_REPLY_FOOTER = "Ông/bà cần hỏi thêm, cứ nhắn tiếp tại đây."
HANDOFF_WEEKDAYS = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")
HANDOFF_OPENING = "{time} {weekday}, ngày {date}"
HANDOFF_PHOTO = "[ảnh người dân gửi]"

# Buttons a channel cannot show, as a numbered list (handlers.choices).
CHOICE_NUMBERED = "{number}. {label}"
CHOICE_LINK = "• {label}: {url}"
CHOOSE_BY_NUMBER = "Ông/Bà trả lời bằng số thứ tự để chọn."
