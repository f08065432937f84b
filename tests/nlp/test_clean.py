import pytest

from nlp.clean import CleanText, clean, flag_repeated_promotions, redact


@pytest.mark.parametrize("text", ["+1", "同求！", "我也想要", "我也这样", "顶顶顶", "蹲一个", "感同身受", "+10086", "+1+1",
                                  "+1 太难了", "同", "同款", "坐等", "一样想要", "一模一样", "太真实了", "抱抱[拥抱]"])
def test_echoes_are_flagged(text):
    assert "echo" in clean(text).flags


@pytest.mark.parametrize("text", ["+1 想要低因的豆子有没有", "同款防晒霜哪里买", "一样的价格为什么贵", "坐等降价了好几天还没降",
                                  "10086打不通", "太真实了吧这个剧", "坐等反弹"])
def test_a_reply_with_its_own_content_is_no_echo(text):
    assert "echo" not in clean(text).flags


@pytest.mark.parametrize("text", ['"小鹿"邀请"阿May"加入了群聊', '"王姐"撤回了一条消息', "你已添加了小美，现在可以开始聊天了",
                                  '"福利小助手"通过扫描二维码加入群聊', '"今天也要加油"通过扫描"宸宝妈咪"分享的二维码加入群聊'])
def test_system_notices_are_flagged(text):
    assert "system" in clean(text).flags


def test_sticker_only_message_is_flagged():
    assert {"sticker", "short"} <= clean("[动画表情]").flags
    assert "sticker" not in clean("[图片] 这个颜色好看吗，想买").flags


def test_promotion_with_link_is_an_ad():
    result = clean("加微信 abc12345 领券啦，全场五折 https://t.cn/A6xYz")
    assert "ad" in result.flags
    assert result.urls == ("https://t.cn/A6xYz",)
    assert "http" not in result.text


@pytest.mark.parametrize("text", ["点击领取双11红包 https://t.cn/A6xYz9Kp 最高888元，手慢无",
                                  "宝妈在家就能做的副业，不押金不囤货，感兴趣加我 wx: fuli_8899 详情 https://t.cn/R2bK7mQ"])
def test_red_packet_and_side_job_promotions_are_ads(text):
    assert "ad" in clean(text).flags


@pytest.mark.parametrize("text", ["我好像还预言过双胞胎这件喜事呢！是时候展开一个副业了……", "群主发的红包我领取到了，谢谢大家",
                                  "@wxid_abc123 这个豆子什么时候到货"])
def test_chat_about_red_packets_and_side_jobs_is_no_ad(text):
    assert "ad" not in clean(text).flags


def test_mentions_and_emotion_codes_become_features():
    result = clean("@王姐 请问低因的豆子什么时候到货[捂脸]😂")
    assert result.text == "请问低因的豆子什么时候到货"
    assert result.mentions == ("王姐",)
    assert result.emotions == ("[捂脸]", "😂")
    assert result.is_content


def test_full_width_is_normalised_and_short_text_flagged():
    assert clean("ＳＰＦ５０的防晒霜好用吗").text == "SPF50的防晒霜好用吗"
    assert "short" in clean("哈哈").flags


def test_redact_masks_personal_data():
    text = redact("电话13812345678或138-1234-5678，邮箱a.b@qq.com，身份证110101199003071234")
    assert "13812345678" not in text and "1234-5678" not in text
    assert "a.b@qq.com" not in text and "110101199003071234" not in text
    assert text.count("[手机号]") == 2 and "[邮箱]" in text and "[证件号]" in text
    assert redact("我家宝宝18个月了") == "我家宝宝18个月了"


def test_copy_pasted_promotion_across_members_becomes_an_ad():
    promo = "家人们限时特惠，私聊我领取大额优惠券，名额有限先到先得"
    cleaned = [clean(promo), clean(promo), clean("想要低因咖啡豆，晚上喝了睡不着")]
    flagged = flag_repeated_promotions(cleaned, ["a", "b", "c"])
    assert ["ad" in c.flags for c in flagged] == [True, True, False]
    assert flag_repeated_promotions([clean(promo)], ["a"])[0].flags == clean(promo).flags
    assert isinstance(flagged[0], CleanText)


def test_traditional_becomes_simplified():
    assert clean("這個粉底液真的很好用，頭髮也變柔順了").text == "这个粉底液真的很好用,头发也变柔顺了"


def test_a_rendered_quote_is_separated_from_the_reply():
    wechat = clean("「阿May：有没有低因的咖啡豆？」\n- - - - - - - - - - - - - - -\n同求，晚上喝了睡不着")
    assert (wechat.text, wechat.quote) == ("同求,晚上喝了睡不着", "有没有低因的咖啡豆?")
    after = clean("我也想要\n- - - - - - -\n「小鹿: 燕麦拿铁什么时候回来」")
    assert (after.text, after.quote) == ("我也想要", "燕麦拿铁什么时候回来")
    assert "echo" in after.flags  # the reply alone is an echo
    qq = clean("回复 @王姐：这个我也踩过雷")
    assert (qq.text, qq.quote) == ("这个我也踩过雷", "")
    assert clean("今天「双十一」有活动吗").quote == ""
