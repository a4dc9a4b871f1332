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
PROCEDURE_UNKNOWN_CODE = (
    "Xin lỗi, tôi không tìm thấy thủ tục mã {code} trong dữ liệu của tôi. Ông/bà có thể nhắn "
    "tên thủ tục, hoặc tra cứu trên Cổng Dịch vụ công quốc gia: {portal_url}"
)
CHOOSE_PROCEDURE = (
    "Câu hỏi của ông/bà có thể ứng với các thủ tục sau:\n{options}\n\n"
    "Ông/bà bấm nút hoặc nhắn số thứ tự (ví dụ 1) để tôi trả lời đúng thủ tục."
)
CHOOSE_AGAIN = (
    "Ông/bà chọn giúp tôi thủ tục trước nhé:\n{options}\n\n"
    "Ông/bà bấm nút hoặc nhắn số thứ tự (ví dụ 1)."
)
ASK_WHICH_PROCEDURE = (
    "Ông/bà muốn hỏi về thủ tục nào ạ? Ông/bà nhắn kèm tên thủ tục giúp tôi, ví dụ "
    "“lệ phí đăng ký kết hôn” hoặc “làm hộ chiếu mất bao lâu”."
)
ALTERNATIVES = "Nếu ông/bà hỏi thủ tục khác, có thể là:\n{options}\nÔng/bà bấm nút để xem."
ALTERNATIVE_LINE = "• {name}"
CHOICE_LINE = "{number}. {name}"
CHOICE_LEVEL = " ({levels})"
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
OVERVIEW_RESULT = "• Kết quả: {results}"
NEXT_STEP = (
    "Ông/bà cần biết thêm gì về thủ tục này? Bấm một nút bên dưới hoặc nhắn câu hỏi, "
    "ví dụ “cần giấy tờ gì”."
)
SOURCE_LINK = "Thông tin chính thức: {url}"
SOURCE_NO_LINK = "Tra cứu mã thủ tục {code} trên Cổng Dịch vụ công quốc gia: {portal_url}"
CUT_SHORT = "… (xem đầy đủ tại trang chính thức)"

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
DOCUMENT_GROUP = "{group}:"
DOCUMENT_LINE = "• {name}"
DOCUMENT_COPIES = " ({copies})"
DOCUMENT_FORM = " (mẫu: {form})"
DOCUMENTS_MORE = "… và {count} mục khác, xem đầy đủ tại trang chính thức."
DOCUMENTS_NOTES = (
    "Trang chính thức còn {count} lưu ý cho các trường hợp riêng (giấy tờ thay thế, nộp "
    "trực tuyến, bưu chính...)."
)
DOCUMENTS_NONE = "Trang chính thức không liệt kê thành phần hồ sơ cho {name}."

TIME_TITLE = "Thời hạn giải quyết {name}:"
TIME_LINE = "• {ways}: {time}"
TIME_SINGLE = "Thời hạn giải quyết {name}: {time}."
TIME_RAW = "{time} (trang chính thức ghi “{raw}”)"
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
FEE_SINGLE = "Phí, lệ phí của {name}: {fee}."
FEE_SINGLE_NOTE = "Ghi chú: {note}"
FEE_NOTE = "  Ghi chú: {note}"
FEE_FREE = "Miễn phí"
FEE_AMOUNT = "{amount} đồng"
FEE_THOUSANDS = "{raw} (nhiều khả năng là {amount} đồng)"
FEE_FREE_BUT_NOTE = "trang chính thức ghi “Miễn phí”, nhưng phần ghi chú có nêu mức thu"
FEE_WITH_NOTE = "{fee} (ghi chú: {note})"
FEE_SEE_NOTE = "xem ghi chú"
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
PLACE_NONE = (
    "Trang chính thức chưa ghi rõ nơi nộp hồ sơ {name}. Ông/bà vui lòng liên hệ Bộ phận "
    "Một cửa của xã/phường hoặc xem trang chính thức."
)

ONLINE_YES = "Có, {name} nộp trực tuyến được."
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
DOSSIER_RECEIVED = "Ngày tiếp nhận: {date}"
DOSSIER_DUE = "Hẹn trả kết quả: {date}"
DOSSIER_NEW_DUE = "Ngày hẹn trả mới: {date} (đã hẹn lại)"
DOSSIER_DUE_TODAY = "Hôm nay là ngày hẹn trả kết quả."
DOSSIER_DAYS_LEFT = "Còn {days} ngày làm việc đến ngày hẹn trả kết quả."
DOSSIER_OVERDUE_DAYS = (
    "Hồ sơ đã quá hạn {days} ngày làm việc. Chúng tôi thành thật xin lỗi ông/bà."
)
DOSSIER_OVERDUE = "Hồ sơ đã quá thời hạn hẹn trả. Chúng tôi thành thật xin lỗi ông/bà."
DOSSIER_APOLOGY_REASON = "Lý do chậm trả: {reason}"

DOSSIER_NEXT_STEP: dict[str, str] = {
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
DOSSIER_PUSH_TELEGRAM = "Telegram"
DOSSIER_PUSH_TELEGRAM_LINK = "Telegram ({url})"
DOSSIER_PUSH_ZALO = "Zalo"
DOSSIER_PUSH_OR = " hoặc "
DOSSIER_BUTTON_TELEGRAM = "Nhận thông báo qua Telegram"
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
