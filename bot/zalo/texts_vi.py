"""Citizen-facing strings only the Zalo channel shows (the core's are in handlers/texts_vi)."""

from __future__ import annotations

WELCOME = (
    "Xin chào ông/bà, tôi là Trợ lý Một cửa. Ông/Bà có thể:\n"
    "• hỏi về thủ tục hành chính, ví dụ: “làm căn cước cần giấy tờ gì”;\n"
    "• gửi mã hồ sơ (in trên giấy tiếp nhận) để xem tình trạng hồ sơ;\n"
    "• gửi ảnh chụp mã QR trên giấy tiếp nhận.\n"
    "Để nhận thông báo khi hồ sơ có kết quả, ông/bà bấm “Nhận thông báo hồ sơ”."
)
LINK_PHONE_BUTTON = "Nhận thông báo hồ sơ"

UNSUPPORTED = (
    "Tôi chỉ đọc được tin nhắn chữ và ảnh chụp mã QR trên giấy tiếp nhận hồ sơ. "
    "Ông/Bà vui lòng gõ câu hỏi hoặc mã hồ sơ."
)
IMAGE_UNREADABLE = (
    "Tôi chưa tải được ảnh ông/bà vừa gửi. Ông/Bà vui lòng gửi lại ảnh, "
    "hoặc gõ mã hồ sơ in trên giấy tiếp nhận."
)
EMPTY_TEXT = "Ông/Bà vui lòng gõ câu hỏi hoặc mã hồ sơ."
FLOODED = (
    "Ông/Bà đang gửi nhiều tin nhắn liên tiếp nên tôi tạm dừng trả lời trong giây lát. "
    "Ông/Bà vui lòng đợi khoảng một phút rồi gửi lại câu hỏi hoặc mã hồ sơ."
)

# request_user_info form
INFO_TITLE = "Nhận thông báo về hồ sơ"
INFO_SUBTITLE = (
    "Chia sẻ số điện thoại ông/bà đã khai khi nộp hồ sơ để nhận thông báo tình trạng hồ sơ "
    "qua Zalo."
)

PHONE_MISSING = (
    "Tôi chưa nhận được số điện thoại. Ông/Bà bấm “Nhận thông báo hồ sơ” để chia sẻ lại, "
    "hoặc gửi mã hồ sơ để tra cứu."
)
PHONE_NO_DOSSIER = (
    "Cảm ơn ông/bà đã chia sẻ số điện thoại. Hiện tôi chưa thấy hồ sơ nào khai số này. "
    "Ông/Bà có thể gửi mã hồ sơ in trên giấy tiếp nhận để tra cứu."
)
PHONE_DOSSIERS = (
    "Cảm ơn ông/bà. Tôi thấy {count} hồ sơ khai số điện thoại này. "
    "Ông/Bà chọn hồ sơ muốn nhận thông báo khi có cập nhật:"
)
PHONE_ALL_FOLLOWED = (
    "Cảm ơn ông/bà. Ông/Bà đã nhận thông báo của tất cả {count} hồ sơ khai số điện thoại này."
)
FOLLOW_BUTTON = "Theo dõi {code}"
SUBSCRIBED = (
    "Đã đăng ký. Tôi sẽ nhắn ông/bà khi hồ sơ {code} có cập nhật. "
    "Gửi mã hồ sơ bất cứ lúc nào để xem tình trạng."
)
ALREADY_SUBSCRIBED = "Ông/Bà đã đăng ký nhận thông báo của hồ sơ {code}."
SUBSCRIBERS_FULL = (
    "Hồ sơ {code} đã có đủ số người nhận thông báo. Nếu ông/bà là người nộp hồ sơ mà chưa "
    "nhận được thông báo, vui lòng liên hệ Bộ phận Một cửa nơi ông/bà đã nộp hồ sơ."
)
SUBSCRIBE_REFUSED = (
    "Số điện thoại ông/bà chia sẻ không khớp với hồ sơ này, nên tôi chưa đăng ký được. "
    "Ông/Bà có thể gửi mã hồ sơ và làm theo hướng dẫn để xác nhận."
)

# transaction card for a dossier's status
CARD_HEADER = "Tình trạng hồ sơ"
CARD_CODE = "Mã hồ sơ"
CARD_PROCEDURE = "Thủ tục"
CARD_STATUS = "Trạng thái"
CARD_LATE = "{label} (trễ hẹn)"
CARD_DUE = "Hẹn trả kết quả"
CARD_LOOKUP = "Xem chi tiết"
# An officer's answer to a hand-off ticket when the 7-day chat window has closed.
CARD_HANDOFF_HEADER = "Cán bộ Bộ phận Một cửa trả lời"
CARD_TICKET = "Mã phiếu"
CARD_TICKET_STATE = "Trạng thái"
CARD_TICKET_ANSWERED = "Đã trả lời"
CARD_HANDOFF_MORE = "Nhắn “phiếu của tôi” để đọc đầy đủ câu trả lời."
